// Messages for the apps' own words, from JSON files per language (e.g.
// /t/i18n/de.json), never from strings in code. English is always loaded:
// a key a translation lacks falls back to it, so a half-translated file
// never shows a bare key.

/**
 * i18n makes a translator for the message files under base.
 * @param {string} base the folder of the files, e.g. '/t/i18n'
 * @param {string[]} have the languages with a file
 */
export function i18n(base, have) {
  const files = new Map();
  let lang = 'en';
  let dict = {};
  let fallback = {};

  async function fetchLang(code) {
    if (files.has(code)) return files.get(code);
    const res = await fetch(base + '/' + code + '.json', { cache: 'no-cache' });
    if (!res.ok) throw new Error('messages ' + code + ': ' + res.status);
    const m = await res.json();
    files.set(code, m);
    return m;
  }

  return {
    /** The language the words are in now. */
    get lang() {
      return lang;
    },
    /** supports tells whether the app's words exist in code. */
    supports(code) {
      return have.includes(code);
    },
    /** use loads code's words (English for a language without a file). */
    async use(code) {
      fallback = await fetchLang('en');
      const next = have.includes(code) ? code : 'en';
      try {
        dict = await fetchLang(next);
        lang = next;
      } catch {
        dict = fallback;
        lang = 'en';
      }
      return lang;
    },
    /**
     * t returns the message key with {name} placeholders filled from vars;
     * a message may be {one, other} by vars.n, or a list indexed by vars.i.
     */
    t(key, vars) {
      let m = key in dict ? dict[key] : key in fallback ? fallback[key] : key;
      if (Array.isArray(m)) m = m[(vars && vars.i) || 0];
      else if (m && typeof m === 'object') m = vars && vars.n === 1 ? m.one : m.other;
      if (!vars) return String(m);
      return String(m).replace(/\{(\w+)\}/g, (all, k) => (k in vars ? String(vars[k]) : all));
    },
  };
}

/** languageName names a language in itself ("Deutsch" for de), or its code. */
export function languageName(code) {
  try {
    const n = new Intl.DisplayNames([code], { type: 'language' }).of(code);
    return n ? n.charAt(0).toLocaleUpperCase(code) + n.slice(1) : code.toUpperCase();
  } catch {
    return code.toUpperCase();
  }
}
