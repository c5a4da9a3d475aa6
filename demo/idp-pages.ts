// The development IdP's two pages. Plain HTML with inline styles and no script or external asset,
// so they render the same in a headless browser and are driven by a plain form POST.

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · stepgate dev IdP</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f3f4f6; color: #111827; margin: 0; }
  main { max-width: 26rem; margin: 4rem auto; background: #fff; padding: 2rem; border-radius: .5rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
  p { margin: .5rem 0 1rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box; font-size: 1rem;
         padding: .5rem; margin-top: .25rem; border: 1px solid #6b7280; border-radius: .25rem; }
  input:focus, button:focus { outline: 3px solid #2563eb; outline-offset: 2px; }
  .check { display: flex; gap: .5rem; align-items: center; font-weight: normal; }
  .actions { display: flex; gap: 1rem; align-items: center; margin-top: 1.5rem; }
  button { font-size: 1rem; padding: .5rem 1.25rem; border: 0; border-radius: .25rem; background: #1d4ed8;
           color: #fff; cursor: pointer; }
  a { color: #1d4ed8; }
  .error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: .5rem .75rem; border-radius: .25rem; }
  .hint { background: #fefce8; border: 1px solid #fde68a; padding: .5rem .75rem; border-radius: .25rem; font-size: .9rem; }
  .tag { font-size: .8rem; color: #4b5563; text-transform: uppercase; letter-spacing: .05em; }
</style>
</head>
<body>
<main>
<p class="tag">stepgate development IdP — not for production</p>
${body}
</main>
</body>
</html>`;
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" role="alert" data-error>${escapeHtml(error)}</p>` : '';
}

export function loginPage(p: {
  uid: string;
  clientId: string;
  secondFactorRequired: boolean;
  loginHint?: string;
  error?: string;
}): string {
  const mfa = p.secondFactorRequired
    ? `<p>This sign-in needs a second factor: after your password you will be asked for the 6-digit code from your authenticator.</p>
<input type="hidden" name="mfa" value="on">`
    : `<label class="check"><input type="checkbox" name="mfa" value="on"> Also verify with my authenticator (second factor)</label>`;
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p><strong>${escapeHtml(p.clientId)}</strong> asks you to sign in.</p>
${errorBlock(p.error)}
<form method="post" action="/interaction/${escapeHtml(p.uid)}/login" data-step="login">
  <label for="user">User name</label>
  <input id="user" type="text" name="user" autocomplete="username" required autofocus value="${escapeHtml(p.loginHint ?? '')}">
  <label for="password">Password</label>
  <input id="password" type="password" name="password" autocomplete="current-password" required>
  ${mfa}
  <div class="actions"><button type="submit">Sign in</button><a href="/interaction/${escapeHtml(p.uid)}/abort">Cancel</a></div>
</form>`,
  );
}

export function otpPage(p: { uid: string; user: string; hint?: string; error?: string }): string {
  const hint = p.hint
    ? `<p class="hint">Development hint: the current code for ${escapeHtml(p.user)} is <code data-hint>${escapeHtml(p.hint)}</code>.</p>`
    : '';
  return layout(
    'Second factor',
    `<h1>Enter your authentication code</h1>
<p>Signed in as <strong>${escapeHtml(p.user)}</strong> with a password. Open your authenticator app and enter the 6-digit code it shows.</p>
${errorBlock(p.error)}
${hint}
<form method="post" action="/interaction/${escapeHtml(p.uid)}/otp" data-step="otp">
  <label for="otp">6-digit code</label>
  <input id="otp" type="text" name="otp" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" required autofocus>
  <div class="actions"><button type="submit">Verify</button><a href="/interaction/${escapeHtml(p.uid)}/abort">Cancel</a></div>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p role="alert" data-error>${escapeHtml(message)}</p>`);
}
