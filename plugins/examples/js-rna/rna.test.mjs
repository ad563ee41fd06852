// Tests of the numéro RNA rules, natively in node (no WebAssembly):
//   node --test rna.test.mjs
// tests/exemple_javascript.rs checks the built component through the host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ERREURS, RNA_PATTERN, checkRna, normalize } from './rna-rules.js';

const FORMAT = [{ code: 'format', message: ERREURS.format.message }];
const LONGUEUR = [{ code: 'longueur', message: ERREURS.longueur.message }];

describe('normalize', () => {
  it('removes every kind of whitespace and uppercases', () => {
    assert.equal(normalize('  w75 123 4567\t'), 'W751234567');
    assert.equal(normalize('W\u00a0751\u202f234\u2009567\n'), 'W751234567');
  });
});

describe('checkRna', () => {
  it('accepts a numéro RNA and returns it normalized', () => {
    for (const [input, normalized] of [
      ['W751234567', 'W751234567'],
      [' w751234567 ', 'W751234567'],
      ['W 751 234 567', 'W751234567'],
      ['W\u00a0751\u00a0234\u00a0567', 'W751234567'],
      ['W971000001', 'W971000001'], // Guadeloupe
      ['W2A1000012', 'W2A1000012'], // Corse-du-Sud
      ['w2b 100 0012', 'W2B1000012'], // Haute-Corse
      ['W000000000', 'W000000000'],
    ]) {
      assert.deepEqual(checkRna(input), { ok: true, normalized }, input);
    }
  });

  it('says the length is wrong for W and digits of the wrong length', () => {
    for (const input of ['W', 'W75123456', 'W7512345678', 'W 751 234 56', 'W2A123456']) {
      assert.deepEqual(checkRna(input), { ok: false, errors: LONGUEUR }, input);
    }
  });

  it('says the format is wrong for anything else', () => {
    for (const input of [
      '', // the host never sends an empty value, but the plugin does not crash on it
      '   ',
      '751234567', // the W forgotten
      '7512345678',
      'X751234567',
      'W75-123-456', // separators other than spaces are not removed
      'W75.123.4567',
      'WA12345678', // letters only as the Corse départements 2A and 2B
      'W2C1234567',
      'W7A1234567',
      'W75123456A',
      'W７５１２３４５６７', // full-width digits are not ASCII digits
      'W75123456é',
    ]) {
      assert.deepEqual(checkRna(input), { ok: false, errors: FORMAT }, input);
    }
  });

  it('returns a fresh error list each time', () => {
    const first = checkRna('W1');
    first.errors[0].message = 'changed';
    assert.deepEqual(checkRna('W1'), { ok: false, errors: LONGUEUR });
  });

  it('has French messages for the usager', () => {
    assert.equal(
      ERREURS.format.message,
      'Le numéro RNA commence par la lettre W suivie de 9 caractères (exemple : W751234567).',
    );
    assert.equal(ERREURS.longueur.message, 'Le numéro RNA comporte 10 caractères.');
  });

  it('is anchored on both ends', () => {
    assert.ok(RNA_PATTERN.test('W751234567'));
    assert.ok(!RNA_PATTERN.test('xW751234567'));
    assert.ok(!RNA_PATTERN.test('W751234567x'));
  });
});
