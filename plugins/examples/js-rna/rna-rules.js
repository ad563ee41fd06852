// The numéro RNA rules, free of any WebAssembly concern so that node tests
// them directly (rna.test.mjs) and the component reuses them unchanged.
//
// A numéro RNA (Répertoire National des Associations) identifies a French
// association declared under the 1901 law. It is 10 characters: the letter W
// then 9 characters. The 2 characters after the W are the département of the
// greffe that registered the association; they are digits ("75", "97" for the
// overseas départements, whose greffe code goes on with a third digit, e.g.
// "971"), except for Corse, whose départements are "2A" and "2B". The 7
// characters after the département are digits.
//
// Rule implemented, after removing every whitespace character (which trims
// too) and uppercasing:
//
//     ^W(?:[0-9]{2}|2[AB])[0-9]{7}$
//
// so "W751234567" and "W2A1234567" are valid, "WA12345678" is not. No check
// digit exists, and the plugin does not look the number up (it is offline).

/** The one accepted shape, on the normalized value. */
export const RNA_PATTERN = /^W(?:[0-9]{2}|2[AB])[0-9]{7}$/;

/** Length of a normalized numéro RNA: W + 9 characters. */
export const RNA_LENGTH = 10;

/** Field errors, with stable codes and French messages for the usager. */
export const ERREURS = Object.freeze({
  format: Object.freeze({
    code: 'format',
    message: 'Le numéro RNA commence par la lettre W suivie de 9 caractères (exemple : W751234567).',
  }),
  longueur: Object.freeze({
    code: 'longueur',
    message: 'Le numéro RNA comporte 10 caractères.',
  }),
});

/**
 * What a usager typed, as the plugin compares and stores it: every kind of
 * whitespace removed (spaces, tabs, non-breaking and narrow non-breaking
 * spaces pasted from documents), then uppercased.
 *
 * @param {string} value
 * @returns {string}
 */
export function normalize(value) {
  return String(value).replace(/\s/gu, '').toUpperCase();
}

/**
 * Checks a numéro RNA.
 *
 * Order of the checks, so that the usager gets the most useful message:
 * 1. anything but a W followed by ASCII letters and digits is a `format`
 *    error, whatever its length (e.g. "751234567", the W forgotten);
 * 2. then a length other than 10 is a `longueur` error ("W75123456");
 * 3. then 10 characters not matching RNA_PATTERN are a `format` error
 *    ("WA12345678").
 *
 * @param {string} value what the usager typed
 * @returns {{ ok: true, normalized: string } | { ok: false, errors: { code: string, message: string }[] }}
 */
export function checkRna(value) {
  const rna = normalize(value);
  if (!/^W[0-9A-Z]*$/.test(rna)) {
    return invalid(ERREURS.format);
  }
  if (rna.length !== RNA_LENGTH) {
    return invalid(ERREURS.longueur);
  }
  if (!RNA_PATTERN.test(rna)) {
    return invalid(ERREURS.format);
  }
  return { ok: true, normalized: rna };
}

function invalid(error) {
  // A fresh object each time: callers may hand it over to the host as is.
  return { ok: false, errors: [{ code: error.code, message: error.message }] };
}
