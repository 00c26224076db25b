import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiFailure, type ApiClient } from '../api';
import { logIn, type Session } from '../session';
import { T } from '../text';
import { Field, failureText } from '../ui';

export function LoginPage({ api, onSession }: { api: ApiClient; onSession: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSession(await logIn(api, username.trim(), password));
    } catch (err) {
      setError(err instanceof ApiFailure && err.status === 401 ? T.badLogin : failureText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="login">
    <h1>${T.appName}</h1>
    <form onSubmit=${submit} aria-labelledby="login-title">
      <h2 id="login-title">${T.signInTitle}</h2>
      <${Field} label=${T.username} name="username" value=${username} onInput=${setUsername} required=${true} hint=${T.usernameHint} autocomplete="username" />
      <${Field} label=${T.password} name="password" type="password" value=${password} onInput=${setPassword} required=${true} autocomplete="current-password" />
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button type="submit" disabled=${busy}>${T.signIn}</button>
    </form>
  </main>`;
}
