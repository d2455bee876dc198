// Sign-in: a dev user name (?user=&approver=, only when the gateway allows dev users) or a JWT
// (?access_token=), docs/protocol.md section 5. Kept in sessionStorage so a reload stays signed in
// (and re-syncs), while closing the tab forgets the token.

import { byId } from './dom.js';

const StorageKey = 'nexus.console.identity';

export function loadIdentity() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(StorageKey) ?? 'null');
    return saved && (saved.user || saved.token) ? saved : null;
  } catch {
    return null;
  }
}

export function saveIdentity(identity) {
  if (identity) sessionStorage.setItem(StorageKey, JSON.stringify(identity));
  else sessionStorage.removeItem(StorageKey);
}

/** The client's options: /ws on the page's own origin, and the identity (a dev name, or the token as access_token). */
export function socketOptions(identity) {
  const url = new URL('/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return identity.mode === 'token'
    ? { url, accessToken: () => identity.token }
    : { url, devUser: identity.user, devApprover: !!identity.approver };
}

/** Who the console shows and treats as "me": the dev name, or the token's claims (display only; the gateway verifies it). */
export function describeIdentity(identity) {
  if (identity.mode !== 'token') return { user: identity.user, approver: !!identity.approver, mode: 'dev' };
  const claims = decodeJwtPayload(identity.token);
  return {
    user: typeof claims?.sub === 'string' ? claims.sub : '(token)',
    approver: claims?.['nexus:approver'] === true || claims?.['nexus:approver'] === 'true',
    mode: 'token',
  };
}

function decodeJwtPayload(token) {
  try {
    const part = token.split('.')[1];
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

export class SignInForm {
  #form = byId('signin-form');

  constructor(onSignIn, status) {
    const modeChanged = () => {
      const token = this.#form.elements.mode.value === 'token';
      byId('signin-dev').hidden = token;
      byId('signin-token').hidden = !token;
    };
    for (const radio of this.#form.querySelectorAll('input[name=mode]')) radio.addEventListener('change', modeChanged);
    this.#form.addEventListener('submit', (e) => {
      e.preventDefault();
      const mode = this.#form.elements.mode.value;
      if (mode === 'token') {
        const token = byId('signin-token-input').value.trim();
        if (!token) {
          status.error('Paste an access token to sign in.');
          byId('signin-token-input').focus();
          return;
        }
        onSignIn({ mode, token });
      } else {
        const user = byId('signin-user').value.trim();
        if (!user) {
          status.error('Type a user name to sign in.');
          byId('signin-user').focus();
          return;
        }
        onSignIn({ mode: 'dev', user, approver: byId('signin-approver').checked });
      }
    });
  }

  focus() {
    byId(this.#form.elements.mode.value === 'token' ? 'signin-token-input' : 'signin-user').focus();
  }
}
