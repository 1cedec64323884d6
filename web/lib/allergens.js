// The fourteen allergens EU law (Regulation 1169/2011, Annex II) requires a
// menu to declare, by the names the box uses. One list for every app: the
// item form offers these, the kitchen and the guests read them; the demo
// menu is checked against this file by a test.

/** ALLERGENS are the EU's fourteen, in the regulation's order. */
export const ALLERGENS = ['gluten', 'crustaceans', 'eggs', 'fish', 'peanuts', 'soy', 'milk', 'nuts',
  'celery', 'mustard', 'sesame', 'sulphites', 'lupin', 'molluscs'];
