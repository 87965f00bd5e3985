"""Worked PACE examples as data, for test_idcard_pace.py and test_idcard_pace_reads.py.

Doc 9303 Part 11 Appendix G (ECDH Generic Mapping on brainpoolP256r1) and
Appendix H (DH Generic Mapping on the 1024-bit RFC 5114 group) give every
intermediate value of a PACE run; the values are copied as the spec prints
them, in blocks of 4 bytes, so they can be checked against it by eye. A
3DES exchange with a real passport follows, and the transport that replays
a recorded exchange.
"""

from __future__ import annotations

from idcard import tlv


def H(text: str) -> bytes:  # noqa: N802 - reads like the spec's hex blocks
    return bytes.fromhex("".join(text.split()))


def I(text: str) -> int:  # noqa: N802, E743
    return int.from_bytes(H(text), "big")


# --- Doc 9303 Part 11, Appendix G: ECDH Generic Mapping, brainpoolP256r1 --

G_MRZ = "T22000129364081251010318"
G_OID = "0.4.0.127.0.7.2.2.4.2.2"  # id-PACE-ECDH-GM-AES-CBC-CMAC-128
G = {
    "k": "7E2D2A41 C74EA0B3 8CD36F86 3939BFA8 E9032AAD",
    "k_pi": "89DED1B2 6624EC1E 634C1989 302849DD",
    "z": "95A3A016 522EE98D 01E76CB6 B98B42C3",
    "s": "3F00C4D3 9D153F2B 2A214A07 8D899B22",
    "map_priv_pcd": "7F4EF07B 9EA82FD7 8AD689B3 8D0BC78C F21F249D 953BC46F "
                    "4C6E1925 9C010F99",
    "map_pub_pcd": "04 7ACF3EFC 982EC455 65A4B155 129EFBC7 4650DCBF A6362D89 "
                   "6FC70262 E0C2CC5E 544552DC B6725218 799115B5 5C9BAA6D "
                   "9F6BC3A9 618E70C2 5AF71777 A9C4922D",
    "map_priv_ic": "498FF497 56F2DC15 87840041 839A8598 2BE7761D 14715FB0 "
                   "91EFA7BC E9058560",
    "map_pub_ic": "04 824FBA91 C9CBE26B EF53A0EB E7342A3B F178CEA9 F45DE0B7 "
                  "0AA60165 1FBA3F57 30D8C879 AAA9C9F7 3991E61B 58F4D52E "
                  "B87A0A0C 709A49DC 63719363 CCD13C54",
    "h": "04 60332EF2 450B5D24 7EF6D386 8397D398 852ED6E8 CAF6FFEE F6BF85CA "
         "57057FD5 0840CA74 15BAF3E4 3BD414D3 5AA4608B 93A2CAF3 A4E3EA4E "
         "82C9C13D 03EB7181",
    "mapped_g": "04 8CED63C9 1426D4F0 EB1435E7 CB1D74A4 6723A0AF 21C89634 "
                "F65A9AE8 7A9265E2 8C879506 743F8611 AC33645C 5B985C80 "
                "B5F09A0B 83407C1B 6A4D857A E76FE522",
    "priv_pcd": "A73FB703 AC1436A1 8E0CFA5A BB3F7BEC 7A070E7A 6788486B "
                "EE230C4A 22762595",
    "pub_pcd": "04 2DB7A64C 0355044E C9DF1905 14C625CB A2CEA487 54887122 "
               "F3A5EF0D 5EDD301C 3556F3B3 B186DF10 B857B58F 6A7EB80F "
               "20BA5DC7 BE1D43D9 BF850149 FBB36462",
    "priv_ic": "107CF586 96EF6155 053340FD 633392BA 81909DF7 B9706F22 "
               "6F32086C 7AFF974A",
    "pub_ic": "04 9E880F84 2905B8B3 181F7AF7 CAA9F0EF B743847F 44A306D2 "
              "D28C1D9E C65DF6DB 7764B222 77A2EDDC 3C265A9F 018F9CB8 "
              "52E111B7 68B32690 4B59A019 3776F094",
    "shared": "28768D20 701247DA E81804C9 E780EDE5 82A9996D B4A31502 "
              "0B273319 7DB84925",
    "ks_enc": "F5F0E35C 0D7161EE 6724EE51 3A0D9A7F",
    "ks_mac": "FE251C78 58B356B2 4514B3BD 5F4297D1",
    "t_pcd": "C2B0BD78 D94BA866",
    "t_ic": "3ABB9674 BCE93C08",
}
G_CARD_ACCESS = "3114 3012 060A04007F00070202040202 020102 02010D"


def ga_command(cla: int, tag: int | None, value: str) -> bytes:
    """GENERAL AUTHENTICATE with one data object (none for the first step) and Le 00."""
    data = tlv.encode(0x7C, tlv.encode(tag, H(value)) if tag else b"")
    return bytes([cla, 0x86, 0, 0, len(data)]) + data + b"\x00"


def ga_response(tag: int, value: str) -> bytes:
    """A dynamic authentication data answer holding one object, with 9000."""
    return tlv.encode(0x7C, tlv.encode(tag, H(value))) + b"\x90\x00"


def g_script() -> list[tuple[bytes, bytes]]:
    """The APDUs of Appendix G, command by command."""
    return [
        (H("0022C1A4 0F 800A04007F00070202040202 830101"), H("9000")),
        (ga_command(0x10, None, ""), ga_response(0x80, G["z"])),
        (ga_command(0x10, 0x81, G["map_pub_pcd"]), ga_response(0x82, G["map_pub_ic"])),
        (ga_command(0x10, 0x83, G["pub_pcd"]), ga_response(0x84, G["pub_ic"])),
        (ga_command(0x00, 0x85, G["t_pcd"]), ga_response(0x86, G["t_ic"])),
    ]


# --- Doc 9303 Part 11, Appendix H: DH Generic Mapping, 1024-bit group -----

H_OID = "0.4.0.127.0.7.2.2.4.1.2"  # id-PACE-DH-GM-AES-CBC-CMAC-128
D = {
    "z": "854D8DF5 827FA685 2D1A4FA7 01CDDDCA",
    "s": "FA5B7E3E 49753A0D B9178B7B 9BD898C8",
    "map_priv_pcd": "5265030F 751F4AD1 8B08AC56 5FC7AC95 2E41618D",
    "map_pub_pcd": "23FB3749 EA030D2A 25B278D2 A562047A DE3F01B7 4F17A154 "
                   "02CB7352 CA7D2B3E B71C343D B13D1DEB CE9A3666 DBCFC920 "
                   "B49174A6 02CB4796 5CAA73DC 702489A4 4D41DB91 4DE9613D "
                   "C5E98C94 160551C0 DF86274B 9359BC04 90D01B03 AD54022D "
                   "CB4F57FA D6322497 D7A1E28D 46710F46 1AFE710F BBBC5F8B "
                   "A166F431 1975EC6C",
    "map_priv_ic": "66DDAFEA C1609CB5 B963BB0C B3FF8B3E 047F336C",
    "map_pub_ic": "78879F57 225AA808 0D52ED0F C890A4B2 5336F699 AA89A2D3 "
                  "A189654A F70729E6 23EA5738 B26381E4 DA19E004 706FACE7 "
                  "B235C2DB F2F38748 312F3C98 C2DD4882 A41947B3 24AA1259 "
                  "AC22579D B93F7085 655AF308 89DBB845 D9E6783F E42C9F24 "
                  "49400306 254C8AE8 EE9DD812 A804C0B6 6E8CAFC1 4F84D825 "
                  "8950A91B 44126EE6",
    "h": "5BABEBEF 5B74E5BA 94B5C063 FDA15F1F 1CDE9487 3EE0A5D3 A2FCAB49 "
         "F258D07F 544F13CB 66658C3A FEE9E727 389BE3F6 CBBBD321 28A8C21D "
         "D6EEA3CF 7091CDDF B08B8D00 7D40318D CCA4FFBF 51208790 FB4BD111 "
         "E5A968ED 6B6F08B2 6CA87C41 0B3CE0C3 10CE104E ABD16629 AA48620C "
         "1279270C B0750C0D 37C57FFF E302AE7F",
    "mapped_g": "7C9CBFE9 8F9FBDDA 8D143506 FA7D9306 F4CB17E3 C71707AF "
                "F5E1C1A1 23702496 84D64EE3 7AF44B8D BD9D45BF 6023919C "
                "BAA027AB 97ACC771 666C8E98 FF483301 BFA4872D EDE9034E "
                "DFACB708 14166B7F 36067682 9B826BEA 57291B5A D69FBC84 "
                "EF1E7790 32A30580 3F743417 93E86974 2D401325 B37EE856 "
                "5FFCDEE6 18342DC5",
    "priv_pcd": "89CCD99B 0E8D3B1F 11E1296D CA68EC53 411CF2CA",
    "pub_pcd": "907D89E2 D425A178 AA81AF4A 7774EC8E 388C115C AE67031E "
               "85EECE52 0BD91155 1B9AE4D0 4369F29A 02626C86 FBC6747C "
               "C7BC3526 45B6161A 2A42D44E DA80A08F A8D61B76 D3A154AD "
               "8A5A5178 6B0BC071 47057871 A922212C 5F67F431 73172236 "
               "B7747D16 71E6D692 A3C7D40A 0C3C5CE3 97545D01 5C175EB5 "
               "130551ED BC2EE5D4",
    "priv_ic": "A5B78012 6B7C980E 9FCEA1D4 539DA1D2 7C342DFA",
    "pub_ic": "075693D9 AE941877 573E634B 6E644F8E 60AF17A0 076B8B12 "
              "3D920107 4D36152B D8B3A213 F53820C4 2ADC79AB 5D0AEEC3 "
              "AEFB9139 4DA476BD 97B9B14D 0A65C1FC 71A0E019 CB08AF55 "
              "E1F72900 5FBA7E3F A5DC4189 9238A250 767A6D46 DB974064 "
              "386CD456 743585F8 E5D90CC8 B4004B1F 6D866C79 CE0584E4 "
              "9687FF61 BC29AEA1",
    "shared": "6BABC7B3 A72BCD7E A385E4C6 2DB2625B D8613B24 149E146A "
              "629311C4 CA6698E3 8B834B6A 9E9CD718 4BA8834A FF5043D4 "
              "36950C4C 1E783236 7C10CB8C 314D40E5 990B0DF7 013E64B4 "
              "549E2270 923D06F0 8CFF6BD3 E977DDE6 ABE4C31D 55C0FA2E "
              "465E553E 77BDF75E 3193D383 4FC26E8E B1EE2FA1 E4FC97C1 "
              "8C3F6CFF FE2607FD",
    "ks_enc": "2F7F46AD CC9E7E52 1B45D192 FAFA9126",
    "ks_mac": "805A1D27 D45A5116 F73C5446 9462B7D8",
    "t_pcd": "B46DD9BD 4D98381F",
    "t_ic": "917F37B5 C0E6D8D1",
}


# --- ECDH-GM with 3DES: a New Zealand passport --------------------------
# The exchange as published with the gmrtd test suite (retail MAC tokens).

NZ_MRZ = ("LM277954", "781214", "271115")  # document number, birth, expiry
NZ_CARD_ACCESS = "31143012060a04007f0007020204020102010202010d"
NZ_SCRIPT = [
    (H("0022c1a40f800a04007f00070202040201830101"), H("9000")),
    (H("10860000027c0000"),
     H("7c128010b88382812290017af1cc906ff00e7f4d9000")),
    (H("10860000457c438141047706b2b6246ab4612229b8a11212ddba7fea0568c9c0"
       "975dee22c0e3dd3a3f0321e8afee836e373b570d24000d56fb195104d486e633"
       "21ff8c819dd5ee018dcb00"),
     H("7c43824104780b4edec9b926f9f964fad826d9990a667608d96ba7b397ae8609"
       "b6533e0d036d148365ddf4e5ff6611c2b62aa17fc9899f327bc929db543e7abd"
       "0ee724e4be9000")),
    (H("10860000457c43834104507a0156efae8fb8acc519036c0b2fe0393c878744c7"
       "f91878ee4e07a41412ba5c0753d68a44a91e9f57f3f992ab689e6c2065d3b2a2"
       "7c3658a4fd632931ee3800"),
     H("7c438441042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a88"
       "4ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a3"
       "1211f80f5b9000")),
    (H("008600000c7c0a85088d7c617d43efe09e00"),
     H("7c0a8608cb57047c809079f69000")),
]
NZ = {
    "map_priv_pcd": "2808272c0ec20e01a3450030ef32855e9feb5cb17719e985389b1cf47609e69f",
    "priv_pcd": "8f89449052df6c7983750c7b042c3cea12b36819174424c7cd28153f7b70b402",
    "ks_enc": "430e4c8c38dfefaed92067b919a897f8",
    "ks_mac": "c1bc1f075797b970b5a45e64a764b0cb",
}


class Replay:
    """Plays a recorded exchange and insists on byte-identical commands."""

    simulated = True

    def __init__(self, script):
        self.script, self.index = list(script), 0

    def transceive(self, apdu: bytes) -> bytes:
        command, response = self.script[self.index]
        assert apdu.hex().upper() == command.hex().upper(), self.index
        self.index += 1
        return response
