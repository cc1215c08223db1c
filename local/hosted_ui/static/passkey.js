// The hosted UI's passkey step: ask the browser's authenticator for an assertion with the
// pool's CREDENTIAL_REQUEST_OPTIONS (the form's data-options) and post the credential back as
// JSON (WebAuthn's base64url form, what Cognito's CREDENTIAL answer takes) with the CSRF token.
"use strict";
(() => {
  const form = document.getElementById("passkey-form");
  const button = document.getElementById("use-passkey");
  const problem = document.getElementById("passkey-error");
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
  const requestOptions = () => {
    const options = JSON.parse(form.dataset.options);
    return {
      ...options,
      challenge: bytes(options.challenge),
      allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: bytes(c.id) })),
    };
  };
  const asJson = (credential) => {
    const answer = credential.response;
    return {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: text(answer.clientDataJSON),
        authenticatorData: text(answer.authenticatorData),
        signature: text(answer.signature),
        userHandle: answer.userHandle ? text(answer.userHandle) : undefined,
      },
    };
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    problem.hidden = true;
    try {
      const credential = await navigator.credentials.get({ publicKey: requestOptions() });
      form.elements.credential.value = JSON.stringify(asJson(credential));
      form.submit();
    } catch (error) {
      problem.textContent = `Your passkey did not sign you in (${error.name}). Try again, or choose another way.`;
      problem.hidden = false;
      button.disabled = false;
    }
  });
})();
