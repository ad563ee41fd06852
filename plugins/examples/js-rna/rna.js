// The numéro RNA champ type: a French association's number in the Répertoire
// National des Associations, checked offline.
//
// The rules live in rna-rules.js; this file only adapts them to the
// `guichet:plugin/type-de-champ@0.1.0` interface of the world
// `type-de-champ-plugin` (wit/guichet-plugin@0.1.0/). componentize-js maps:
//   - the exported interface `type-de-champ` to the `typeDeChamp` export;
//   - WIT records to plain objects, variants to `{ tag, val }`, enums to
//     strings;
//   - a `result<T, E>` return: returning a value is `ok(value)`, throwing is
//     `err(payload)` (the thrown error's `payload`, here a `plugin-error`).

import { log } from 'guichet:plugin/log@0.1.0';
import { checkRna } from './rna-rules.js';

// Must equal `version` in plugin.toml: the host refuses the plugin otherwise.
const VERSION = '1.0.0';

/** A `plugin-error` thrown so that componentize-js returns `err(..)`. */
class PluginError extends Error {
  constructor(tag, message) {
    super(message);
    this.payload = { tag, val: message };
  }
}

export const typeDeChamp = {
  describe() {
    return {
      id: 'rna',
      libelle: 'Numéro RNA',
      description:
        "Numéro d'une association au Répertoire national des associations : la lettre W suivie de 9 caractères " +
        '(exemple : W751234567). Les espaces sont retirés et les lettres mises en majuscules.',
      version: VERSION,
    };
  },

  validate(value, _options) {
    // The options (always a JSON object, checked by the host) are ignored:
    // this champ type has none.
    let verdict;
    try {
      verdict = checkRna(value);
    } catch (error) {
      // A bug here, never the usager's fault. Technical English for logs.
      throw new PluginError('internal', `rna check failed: ${error}`);
    }
    // Never the value itself: it is personal data. Only the outcome.
    log('debug', verdict.ok ? 'rna: valid' : `rna: invalid (${verdict.errors.map((e) => e.code).join(', ')})`);
    if (verdict.ok) {
      return { tag: 'valid', val: verdict.normalized };
    }
    return { tag: 'invalid', val: verdict.errors };
  },
};
