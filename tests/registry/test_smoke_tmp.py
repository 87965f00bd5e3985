from tests.helpers import api_post, last_code, make_id_number, make_phone


def test_register_and_me(client):
    phone = make_phone()
    r = api_post(client, "/api/v1/sms/codes", {"phone": phone, "purpose": "register"})
    assert r.status_code == 202, r.get_json()
    r = api_post(client, "/api/v1/accounts", {"role": "consumer", "name": "李四", "id_number": make_id_number(),
                                              "phone": phone, "code": last_code(phone)})
    assert r.status_code == 201, r.get_json()
    me = client.get("/api/v1/me").get_json()
    assert me["phone"] == phone[:3] + "****" + phone[-4:]
    assert client.get("/").status_code == 200
    assert client.get("/me").status_code == 200
