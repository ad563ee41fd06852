"""Unit tests of iban.py with plain CPython: python3 -m unittest (from this
directory). The component itself is tested by tests/exemple_python.rs."""

import unittest

import iban


class ValidIbans(unittest.TestCase):
    # Published specimen IBANs (banks' and the SWIFT registry's examples),
    # each checked independently with a big-integer modulus.
    SPECIMENS = {
        "FR76 3000 6000 0112 3456 7890 189": "FR76 3000 6000 0112 3456 7890 189",
        "FR1420041010050500013M02606": "FR14 2004 1010 0505 0001 3M02 606",
        "de89 3704 0044 0532 0130 00": "DE89 3704 0044 0532 0130 00",
        "GB29NWBK60161331926819": "GB29 NWBK 6016 1331 9268 19",
        "BE68539007547034": "BE68 5390 0754 7034",
        "NL91ABNA0417164300": "NL91 ABNA 0417 1643 00",
        "ES9121000418450200051332": "ES91 2100 0418 4502 0005 1332",
        "IT60X0542811101000000123456": "IT60 X054 2811 1010 0000 0123 456",
        "CH9300762011623852957": "CH93 0076 2011 6238 5295 7",
        "MT84MALT011000012345MTLCAST001S": "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "NO9386011117947": "NO93 8601 1117 947",
        "MC5811222000010123456789030": "MC58 1122 2000 0101 2345 6789 030",
        "LU280019400644750000": "LU28 0019 4006 4475 0000",
        "PT50000201231234567890154": "PT50 0002 0123 1234 5678 9015 4",
    }

    def test_specimens_are_valid_and_grouped_by_four(self):
        for typed, formatted in self.SPECIMENS.items():
            with self.subTest(typed=typed):
                result = iban.check(typed)
                self.assertIsInstance(result, iban.Iban)
                self.assertEqual(result.formatted(), formatted)

    def test_spaces_and_case_are_normalized(self):
        # Tabs, line breaks and the (narrow) non-breaking spaces that a copy
        # from a PDF brings, lowercase letters.
        typed = " fr76\u00a03000\u202f6000\t0112 3456\n7890 189 "
        result = iban.check(typed)
        self.assertEqual(result, iban.Iban("FR7630006000011234567890189"))
        self.assertEqual(result.country, "FR")
        self.assertEqual(result.formatted(), "FR76 3000 6000 0112 3456 7890 189")

    def test_every_sepa_country_has_a_plausible_length(self):
        for country, length in iban.IBAN_LENGTHS.items():
            with self.subTest(country=country):
                self.assertRegex(country, r"^[A-Z]{2}$")
                self.assertTrue(15 <= length <= 34)
        self.assertEqual(iban.IBAN_LENGTHS["FR"], 27)


class InvalidIbans(unittest.TestCase):
    def assertError(self, typed, code, message=None):
        result = iban.check(typed)
        self.assertIsInstance(result, iban.IbanError, f"{typed!r} must be refused")
        self.assertEqual(result.code, code, typed)
        if message is not None:
            self.assertEqual(result.message, message)
        return result

    def test_empty(self):
        for typed in ("", "   ", "\u00a0"):
            with self.subTest(typed=typed):
                self.assertError(typed, "format", iban.VIDE.message)

    def test_other_characters(self):
        for typed in ("FR76-3000-6000-0112-3456-7890-189", "FR76 3000 6000 0112 3456 7890 18é", "FR76.3000"):
            with self.subTest(typed=typed):
                self.assertError(typed, "format", iban.CARACTERES.message)

    def test_non_ascii_digits(self):
        # Arabic-Indic digits are digits for str.isdigit(), not for an IBAN.
        self.assertError("FR76 ٣٠٠٠ 6000 0112 3456 7890 189", "format", iban.CARACTERES.message)

    def test_country_then_check_digits(self):
        for typed in ("7630006000011234567890189", "F", "F7", "FRAB30006000011234567890189", "FR7"):
            with self.subTest(typed=typed):
                self.assertError(typed, "format", iban.DEBUT.message)

    def test_unknown_country(self):
        # US and BR have no place in SEPA (BR has IBANs), XX is no country.
        for typed in ("US76 3000 6000 0112 3456 7890 189", "BR15 0000 0000 0000 1093 2840 814 P2", "XX00"):
            with self.subTest(typed=typed):
                self.assertError(
                    typed,
                    "pays-inconnu",
                    "Les deux premières lettres de l'IBAN ne correspondent à aucun pays de la zone SEPA.",
                )

    def test_french_length(self):
        for typed in ("FR76 3000 6000 0112 3456 7890 18", "FR76 3000 6000 0112 3456 7890 1890", "FR76"):
            with self.subTest(typed=typed):
                self.assertError(typed, "longueur", "Un IBAN français comporte 27 caractères.")

    def test_other_country_length(self):
        self.assertError("DE89 3704 0044 0532 0130 0", "longueur", "Un IBAN commençant par DE comporte 22 caractères.")

    def test_french_bban_structure(self):
        # A letter in the bank code, then in the RIB key; the modulus would
        # not save them: these have valid check digits.
        for bban in ("3000A000011234567890189", "300060000112345678901A9"):
            typed = "FR" + check_digits("FR", bban) + bban
            with self.subTest(typed=typed):
                self.assertEqual(iban.mod97(typed), 1)
                self.assertError(typed, "format", iban.FORMAT_FR.message)

    def test_check_digits(self):
        message = "L'IBAN n'est pas valide (clé de contrôle incorrecte)."
        for typed in (
            "FR77 3000 6000 0112 3456 7890 189",  # wrong check digits
            "FR76 3000 6000 0112 3456 7890 198",  # two characters swapped
            "GB29 NWBK 6016 1331 9268 18",  # one character changed
        ):
            with self.subTest(typed=typed):
                self.assertError(typed, "cle-de-controle", message)

    def test_check_digits_never_issued(self):
        # 00, 01 and 99 pass the modulus when 97, 98 and 02 would, but ISO
        # 13616 never issues them.
        bban = "30006000011234567890189"
        valid = check_digits("FR", bban)
        twin = {"97": "00", "98": "01", "02": "99"}.get(valid)
        # Find a French BBAN whose check digits have such a twin.
        account = 0
        while twin is None:
            account += 1
            bban = f"3000600001{account:011d}89"
            valid = check_digits("FR", bban)
            twin = {"97": "00", "98": "01", "02": "99"}.get(valid)
        self.assertEqual(iban.mod97("FR" + twin + bban), 1)
        self.assertError("FR" + twin + bban, "cle-de-controle")
        self.assertIsInstance(iban.check("FR" + valid + bban), iban.Iban)

    def test_long_garbage_is_refused_quickly(self):
        # The host sends up to 64 KiB; the length check comes before the
        # modulus.
        self.assertError("FR" + "7" * 65_000, "longueur")


def check_digits(country, bban):
    """ISO 13616 check digits, computed with a big integer (independently of
    iban.mod97)."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


if __name__ == "__main__":
    unittest.main()


class AcceptedCountries(unittest.TestCase):
    FR = "FR76 3000 6000 0112 3456 7890 189"

    def test_settings_are_parsed_leniently(self):
        self.assertEqual(iban.parse_countries(" fr, be  de"), frozenset({"FR", "BE", "DE"}))
        self.assertEqual(iban.parse_countries(""), frozenset())
        self.assertEqual(iban.parse_countries("XX"), frozenset())

    def test_only_accepted_countries_pass(self):
        self.assertIsInstance(iban.check_for(self.FR, frozenset({"FR"})), iban.Iban)
        self.assertIsInstance(iban.check_for(self.FR, frozenset()), iban.Iban)
        refused = iban.check_for(self.FR, frozenset({"BE", "DE"}))
        self.assertEqual(refused.code, "pays-non-accepte")
        self.assertEqual(refused.message, "Seuls les IBAN des pays suivants sont acceptés pour cette démarche : BE, DE.")
        # Other problems are reported first.
        self.assertEqual(iban.check_for("FR00", frozenset({"BE"})).code, "longueur")
