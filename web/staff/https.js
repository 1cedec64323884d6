// HTTPS (admin, in Settings): whether the box serves HTTPS (rms --tls),
// where, the fingerprint of its own certificate authority, and the CA to
// download: an iOS/iPadOS profile and a PEM certificate for everything
// else (GET /api/system/tls, /ca.mobileconfig, /ca.crt).
import { h, errorText } from './ui.js';

const day = (iso) => new Date(iso).toLocaleDateString();

/** httpsCard builds the HTTPS card; stop() ends it. */
export function httpsCard(app) {
  const title = () => h('h2', { id: 'https-title' }, 'HTTPS');
  const card = h('section.card.https', { 'aria-labelledby': 'https-title' }, title(), h('p.muted', null, 'Loading…'));
  let alive = true;

  const row = (label, value) => h('div.system-row', null, h('dt', null, label), h('dd', null, value));

  const off = () => [
    title(),
    h('p', null, 'HTTPS is off: every screen talks to the box over plain HTTP, which is fine on a Wi-Fi network only your staff and devices use.'),
    h('p', null, 'To turn it on, on the box run ', h('code', null, 'sudo rms install --tls'),
      ' (or set ', h('code', null, 'RMS_TLS=true'), ' in ', h('code', null, '/etc/rms/rms.env'), ' and run ',
      h('code', null, 'sudo systemctl restart rms'), '). The box then makes its own certificate, and this card offers it for your devices to install.'),
  ];

  const on = (s) => [
    title(),
    h('p', null, 'HTTPS is on at ', h('a', { href: s.url }, s.url),
      '. Install the box\'s certificate on a device once, then open that address on it. Table iPads keep using plain HTTP: pairing links always do.'),
    h('dl.system-list', null,
      row('Certificate authority', s.ca.subject),
      row('Fingerprint (SHA-256)', h('code.https-fingerprint', null, s.ca.sha256)),
      s.certificate ? row('Certificate', `for ${[...(s.certificate.dns_names || []), ...(s.certificate.ip_addresses || [])].join(', ')}; renewed by itself before ${day(s.certificate.not_after)}`) : null),
    h('div.actions.https-downloads', null,
      h('a.button.primary', { href: '/ca.mobileconfig' }, 'Profile for iPad and iPhone'),
      h('a.button', { href: '/ca.crt' }, 'Certificate for Mac, PC, Android (.crt, PEM)')),
    h('ol.https-steps', null,
      h('li', null, 'On an iPad or iPhone, open this page in Safari and tap the profile; allow the download.'),
      h('li', null, 'Settings → General → VPN & Device Management: install the downloaded profile.'),
      h('li', null, 'Settings → General → About → Certificate Trust Settings: turn on full trust for ', s.ca.subject, '.'),
      h('li', null, 'Check that the fingerprint the device shows matches the one above.')),
  ];

  const load = async () => {
    try {
      const s = await app.call('GET', '/api/system/tls');
      if (alive) card.replaceChildren(...(s.enabled ? on(s) : off()));
    } catch (err) {
      if (alive) {
        card.replaceChildren(title(), h('p.form-error', { role: 'alert' }, errorText(err)),
          h('button', { type: 'button', onclick: load }, 'Try again'));
      }
    }
  };
  load();
  return { el: card, stop: () => { alive = false; } };
}
