// The fourteen allergens EU law (Regulation 1169/2011, Annex II) requires a
// menu to declare, by the names the box uses. One list for every app: the
// item form offers these, the kitchen and the guests read them; the demo
// menu is checked against this file by a test.

/** ALLERGENS are the EU's fourteen, in the regulation's order. */
export const ALLERGENS = ['gluten', 'crustaceans', 'eggs', 'fish', 'peanuts', 'soy', 'milk', 'nuts',
  'celery', 'mustard', 'sesame', 'sulphites', 'lupin', 'molluscs'];

/**
 * ALLERGEN_CODES are two-letter codes for a busy screen (the kitchen's
 * tickets), which shows a legend of them on demand.
 */
export const ALLERGEN_CODES = {
  gluten: 'GL', crustaceans: 'CR', eggs: 'EG', fish: 'FI', peanuts: 'PN', soy: 'SO', milk: 'MI', nuts: 'NU',
  celery: 'CE', mustard: 'MU', sesame: 'SE', sulphites: 'SU', lupin: 'LU', molluscs: 'MO',
};

/** allergenCode is an allergen's code; a name outside the list gets its first three letters. */
export function allergenCode(name) {
  const n = String(name || '').trim().toLowerCase();
  return ALLERGEN_CODES[n] || n.slice(0, 3).toUpperCase();
}
