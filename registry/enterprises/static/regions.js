// Cascading province -> city selects; without JavaScript the form still works
// (the page lists the chosen province's cities after a submit).
(function () {
  var province = document.querySelector("[data-region-province]");
  var city = document.querySelector("[data-region-city]");
  if (!province || !city) return;
  province.addEventListener("change", function () {
    var anyLabel = city.options.length ? city.options[0].textContent : "";
    city.innerHTML = "";
    var any = document.createElement("option");
    any.value = ""; any.textContent = anyLabel;
    city.appendChild(any);
    if (!province.value) return;
    fetch(province.getAttribute("data-cities-url") + "?parent=" + encodeURIComponent(province.value))
      .then(function (r) { return r.json(); })
      .then(function (items) {
        items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code; option.textContent = item.name;
          city.appendChild(option);
        });
      });
  });
})();
