// The approval page: a passed face check submits the chosen sections and duration at once
// (one step; the face check confirms exactly what the form says).
window.approveWithFaceCheck = function (detail) {
  var form = document.getElementById("approve-form");
  if (!form) { return; }
  form.querySelector("[data-face-check-field]").value = String(detail.checkId);
  form.submit();
};
