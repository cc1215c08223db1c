// The hosted UI's passkey pages, the one script they run (same origin, CSP script-src 'self'):
// - sign-in (#passkey-form): navigator.credentials.get with the pool's
//   CREDENTIAL_REQUEST_OPTIONS, the assertion posted back as CREDENTIAL;
// - add a passkey (#passkey-add-form): navigator.credentials.create with the pool's
//   CredentialCreationOptions, the registration posted back for CompleteWebAuthnRegistration.
// Options arrive in the form's data-options and credentials leave as WebAuthn's JSON
// (base64url), with the form's CSRF token.
"use strict";
(() => {
  const bytes = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, "=");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const text = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  // clientDataJSON and the named ArrayBuffer fields of a response, base64url (absent: left out).
  const encoded = (answer, names) =>
    Object.fromEntries(
      ["clientDataJSON", ...names].filter((n) => answer[n]).map((n) => [n, text(answer[n])]),
    );
  const descriptors = (list) => (list || []).map((c) => ({ ...c, id: bytes(c.id) }));
  const common = (credential, response) => ({
    id: credential.id,
    rawId: text(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response,
  });
  const signIn = {
    form: "passkey-form",
    button: "use-passkey",
    failed: "Your passkey did not sign you in",
    retry: "Try again, or choose another way.",
    ask: (options) =>
      navigator.credentials.get({
        publicKey: {
          ...options,
          challenge: bytes(options.challenge),
          allowCredentials: descriptors(options.allowCredentials),
        },
      }),
    json: (credential) => {
      const names = ["authenticatorData", "signature", "userHandle"];
      return common(credential, encoded(credential.response, names));
    },
  };
  const register = {
    form: "passkey-add-form",
    button: "add-passkey",
    failed: "No passkey was added",
    retry: "Try again, or choose Not now.",
    ask: (options) =>
      navigator.credentials.create({
        publicKey: {
          ...options,
          challenge: bytes(options.challenge),
          user: { ...options.user, id: bytes(options.user.id) },
          excludeCredentials: descriptors(options.excludeCredentials),
        },
      }),
    json: (credential) => {
      const answer = credential.response;
      const transports = answer.getTransports ? answer.getTransports() : [];
      return common(credential, { ...encoded(answer, ["attestationObject"]), transports });
    },
  };
  for (const ceremony of [signIn, register]) {
    const form = document.getElementById(ceremony.form);
    if (!form) continue;
    const button = document.getElementById(ceremony.button);
    const problem = document.getElementById("passkey-error");
    button.addEventListener("click", async () => {
      button.disabled = true;
      problem.hidden = true;
      try {
        const credential = await ceremony.ask(JSON.parse(form.dataset.options));
        form.elements.credential.value = JSON.stringify(ceremony.json(credential));
        form.submit();
      } catch (error) {
        problem.textContent = `${ceremony.failed} (${error.name}). ${ceremony.retry}`;
        problem.hidden = false;
        button.disabled = false;
      }
    });
  }
})();
