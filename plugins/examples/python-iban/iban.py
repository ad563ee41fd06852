"""IBAN checks for the "iban" champ type, in plain Python.

This module knows nothing about WebAssembly: `app.py` adapts it to the
`guichet:plugin/type-de-champ` interface, and `test_iban.py` runs it with
plain CPython. It uses nothing but the standard library's core, so that it
runs unchanged inside the component.

Rules (ISO 13616, SWIFT IBAN registry):

1. spaces (any Unicode white space) are removed and letters are uppercased;
2. only ASCII digits and letters may remain;
3. two letters (country) then two digits (check digits);
4. the country must belong to the SEPA scheme, and fixes the length;
5. for France, the BBAN is bank code (5 digits), branch code (5 digits),
   account number (11 digits or letters) and RIB key (2 digits);
6. the whole IBAN, rotated and with letters turned into numbers, must be
   1 modulo 97 (ISO 7064 MOD 97-10), with check digits between 02 and 98.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

# IBAN length per country of the SEPA scheme (EPC list of countries, lengths
# from the SWIFT IBAN registry). French overseas departments and
# collectivities use FR IBANs.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,  # Andorre
    "AL": 28,  # Albanie
    "AT": 20,  # Autriche
    "BE": 16,  # Belgique
    "BG": 22,  # Bulgarie
    "CH": 21,  # Suisse
    "CY": 28,  # Chypre
    "CZ": 24,  # Tchéquie
    "DE": 22,  # Allemagne
    "DK": 18,  # Danemark
    "EE": 20,  # Estonie
    "ES": 24,  # Espagne
    "FI": 18,  # Finlande (et Åland)
    "FR": 27,  # France (et outre-mer)
    "GB": 22,  # Royaume-Uni
    "GI": 23,  # Gibraltar
    "GR": 27,  # Grèce
    "HR": 21,  # Croatie
    "HU": 28,  # Hongrie
    "IE": 22,  # Irlande
    "IS": 26,  # Islande
    "IT": 27,  # Italie
    "LI": 21,  # Liechtenstein
    "LT": 20,  # Lituanie
    "LU": 20,  # Luxembourg
    "LV": 21,  # Lettonie
    "MC": 27,  # Monaco
    "MD": 24,  # Moldavie
    "ME": 22,  # Monténégro
    "MK": 19,  # Macédoine du Nord
    "MT": 31,  # Malte
    "NL": 18,  # Pays-Bas
    "NO": 15,  # Norvège
    "PL": 28,  # Pologne
    "PT": 25,  # Portugal
    "RO": 24,  # Roumanie
    "RS": 22,  # Serbie
    "SE": 24,  # Suède
    "SI": 19,  # Slovénie
    "SK": 24,  # Slovaquie
    "SM": 27,  # Saint-Marin
    "VA": 22,  # Vatican
}

_DIGITS = frozenset("0123456789")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALPHANUMERIC = _DIGITS | _LETTERS


@dataclass(frozen=True)
class IbanError:
    """One problem with the value, for the usager: a stable kebab-case code
    and a French sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Iban:
    """A valid IBAN, compact (no spaces, uppercase)."""

    compact: str

    @property
    def country(self) -> str:
        return self.compact[:2]

    def formatted(self) -> str:
        """Groups of four characters separated by spaces, as printed on a RIB:
        "FR76 3000 6000 0112 3456 7890 189"."""
        return " ".join(self.compact[i : i + 4] for i in range(0, len(self.compact), 4))


VIDE = IbanError("format", "Saisissez un IBAN, par exemple FR76 3000 6000 0112 3456 7890 189.")
CARACTERES = IbanError("format", "L'IBAN ne doit contenir que des chiffres et des lettres, sans accent ni ponctuation.")
DEBUT = IbanError(
    "format",
    "Un IBAN commence par le code du pays en deux lettres, suivi de deux chiffres (par exemple FR76).",
)
PAYS_INCONNU = IbanError(
    "pays-inconnu",
    "Les deux premières lettres de l'IBAN ne correspondent à aucun pays de la zone SEPA.",
)
FORMAT_FR = IbanError(
    "format",
    "Un IBAN français se compose de FR, de deux chiffres de contrôle, des codes banque et guichet "
    "(10 chiffres), du numéro de compte (11 chiffres ou lettres) et de la clé RIB (2 chiffres).",
)
CLE_DE_CONTROLE = IbanError("cle-de-controle", "L'IBAN n'est pas valide (clé de contrôle incorrecte).")


def longueur(country: str) -> IbanError:
    """The length error for `country`, which must be in IBAN_LENGTHS."""
    length = IBAN_LENGTHS[country]
    if country == "FR":
        return IbanError("longueur", f"Un IBAN français comporte {length} caractères.")
    return IbanError("longueur", f"Un IBAN commençant par {country} comporte {length} caractères.")


def compact(value: str) -> str:
    """Removes every white space (including the non-breaking spaces that
    copy-paste from a PDF brings) and uppercases."""
    return "".join(value.split()).upper()


def mod97(iban: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN made of ASCII digits and uppercase
    letters: the first four characters move to the end, each letter becomes
    two digits (A=10 … Z=35). Computed piecewise, without a big integer."""
    remainder = 0
    for char in iban[4:] + iban[:4]:
        if char in _DIGITS:
            remainder = (remainder * 10 + ord(char) - ord("0")) % 97
        else:
            remainder = (remainder * 100 + ord(char) - ord("A") + 10) % 97
    return remainder


def _fr_bban_ok(bban: str) -> bool:
    bank_and_branch, account, rib_key = bban[:10], bban[10:21], bban[21:]
    return (
        all(c in _DIGITS for c in bank_and_branch)
        and all(c in _ALPHANUMERIC for c in account)
        and len(rib_key) == 2
        and all(c in _DIGITS for c in rib_key)
    )


def parse_countries(setting: str) -> frozenset:
    """The `pays-acceptes` setting: ISO codes separated by commas or spaces
    ("FR, BE"). Empty means every SEPA country. Unknown codes are ignored:
    they could never match an IBAN this plugin accepts anyway."""
    codes = {c.strip().upper() for c in setting.replace(",", " ").split()}
    return frozenset(c for c in codes if c in IBAN_LENGTHS)


def pays_non_accepte(accepted: frozenset) -> IbanError:
    listed = ", ".join(sorted(accepted))
    return IbanError("pays-non-accepte", f"Seuls les IBAN des pays suivants sont acceptés pour cette démarche : {listed}.")


def check_for(value: str, accepted: frozenset) -> Union[Iban, IbanError]:
    """`check`, then the démarche's accepted countries (empty: all)."""
    verdict = check(value)
    if isinstance(verdict, Iban) and accepted and verdict.country not in accepted:
        return pays_non_accepte(accepted)
    return verdict


def check(value: str) -> Union[Iban, IbanError]:
    """Checks what an usager typed; returns the IBAN or the first problem."""
    iban = compact(value)
    if not iban:
        return VIDE
    # Explicit ASCII sets: str.isalnum() would accept "é" or Arabic digits.
    if not all(c in _ALPHANUMERIC for c in iban):
        return CARACTERES
    if len(iban) < 4 or not (iban[0] in _LETTERS and iban[1] in _LETTERS):
        return DEBUT
    country = iban[:2]
    if country not in IBAN_LENGTHS:
        return PAYS_INCONNU
    if not (iban[2] in _DIGITS and iban[3] in _DIGITS):
        return DEBUT
    if len(iban) != IBAN_LENGTHS[country]:
        return longueur(country)
    if country == "FR" and not _fr_bban_ok(iban[4:]):
        return FORMAT_FR
    # Check digits 00, 01 and 99 are never issued, yet 01, 99 and 00 are
    # congruent to 98, 02 and 97 modulo 97 and could pass the modulus alone.
    if iban[2:4] in ("00", "01", "99") or mod97(iban) != 1:
        return CLE_DE_CONTROLE
    return Iban(iban)
