// Choice-based sign-in (USER_AUTH) on the page itself, and passkey registration once signed in:
// plain fetch to the user pool API with the operations Cognito serves unsigned to browsers
// (InitiateAuth, RespondToAuthChallenge, the WebAuthn calls), so the same calls work against
// AWS (`make demo`) and the local endpoint (`make local`). The ways offered are the pool's
// (config.signInFactors, read from the deployed pool by the page's server).
// Loaded after app.js, whose config, tokens, keep, render, showError, base64url and $ it uses;
// app.js's main() calls wireChoices() once config.json is read.
"use strict";

const direct = { active: false, pending: null }; // pending: {session, username, challenge}
const CODE_ANSWERS = { EMAIL_OTP: "EMAIL_OTP_CODE", SMS_OTP: "SMS_OTP_CODE" };
const FACTORS = ["WEB_AUTHN", "EMAIL_OTP", "SMS_OTP", "PASSWORD"];

async function cognito(operation, body) {
  const response = await fetch(`${config.cognitoEndpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.ok) return answer;
  const type = answer.__type || response.headers.get("x-amzn-errortype") || `HTTP ${response.status}`;
  throw new Error(`${operation}: ${type.split("#").pop().split(":")[0]}: ${answer.message || answer.Message || ""}`);
}

// WebAuthn's JSON forms (base64url for binary), as Cognito sends and takes them.
const bytesOf = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const textOf = (buffer) => base64url(new Uint8Array(buffer));
const withIds = (list) => (list || []).map((item) => ({ ...item, id: bytesOf(item.id) }));

function creationOptions(json) {
  return {
    ...json,
    challenge: bytesOf(json.challenge),
    user: { ...json.user, id: bytesOf(json.user.id) },
    excludeCredentials: withIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  return { ...json, challenge: bytesOf(json.challenge), allowCredentials: withIds(json.allowCredentials) };
}

function credentialJson(credential) {
  const answer = credential.response;
  const response = { clientDataJSON: textOf(answer.clientDataJSON) };
  if (answer.attestationObject) { // a registration
    response.attestationObject = textOf(answer.attestationObject);
    response.transports = answer.getTransports ? answer.getTransports() : [];
  } else { // an assertion
    response.authenticatorData = textOf(answer.authenticatorData);
    response.signature = textOf(answer.signature);
    if (answer.userHandle) response.userHandle = textOf(answer.userHandle);
  }
  const json = {
    id: credential.id,
    rawId: textOf(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    response,
  };
  if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
  return json;
}

function say(message) { $("direct-status").textContent = message; }

function showFactors(factors) {
  for (const factor of FACTORS) $(`direct-${factor}`).hidden = !factors.includes(factor);
  $("direct-password-row").hidden = !factors.includes("PASSWORD");
}

const passwordOf = (factor) => (factor === "PASSWORD" ? { PASSWORD: $("direct-password").value } : {});

async function startDirect(factor) {
  const username = $("direct-username").value.trim();
  if (!username) throw new Error("Type your e-mail address first.");
  const pending = direct.pending;
  if (pending && pending.challenge === "SELECT_CHALLENGE" && pending.username === username) {
    return respond("SELECT_CHALLENGE", { ANSWER: factor, ...passwordOf(factor) });
  }
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_AUTH",
    ClientId: config.clientId,
    AuthParameters: { USERNAME: username, PREFERRED_CHALLENGE: factor, ...passwordOf(factor) },
  });
  return handle(answer, username);
}

async function respond(challenge, responses) {
  const { session, username } = direct.pending;
  const answer = await cognito("RespondToAuthChallenge", {
    ChallengeName: challenge,
    ClientId: config.clientId,
    Session: session,
    ChallengeResponses: { USERNAME: username, ...responses },
  });
  return handle(answer, username);
}

async function handle(answer, username) {
  $("direct-code-row").hidden = true;
  const result = answer.AuthenticationResult;
  if (result) {
    direct.pending = null;
    direct.active = true;
    keep({ id_token: result.IdToken, access_token: result.AccessToken, refresh_token: result.RefreshToken });
    say("");
    render();
    return;
  }
  const challenge = answer.ChallengeName;
  direct.pending = { session: answer.Session, username, challenge };
  if (challenge === "WEB_AUTHN") {
    const options = JSON.parse(answer.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS);
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return respond("WEB_AUTHN", { CREDENTIAL: JSON.stringify(credentialJson(credential)) });
  }
  if (challenge in CODE_ANSWERS) {
    const to = (answer.ChallengeParameters || {}).CODE_DELIVERY_DESTINATION || "you";
    say(`A code was sent to ${to}: type it below.`);
    $("direct-code-row").hidden = false;
    return;
  }
  if (challenge === "SELECT_CHALLENGE") {
    const available = (answer.AvailableChallenges || []).filter((f) => config.signInFactors.includes(f));
    say(`Choose another way to sign in: ${available.join(", ") || "none this page offers"}.`);
    showFactors(available);
    return;
  }
  direct.pending = null;
  throw new Error(`The pool asked for ${challenge}, which this page does not answer: use the hosted UI.`);
}

async function sendCode() {
  const challenge = direct.pending && direct.pending.challenge;
  if (!(challenge in CODE_ANSWERS)) throw new Error("Ask for a code first.");
  await respond(challenge, { [CODE_ANSWERS[challenge]]: $("direct-code").value.trim() });
}

async function registerPasskey() {
  $("passkey-status").textContent = "Registering a passkey…";
  const started = await cognito("StartWebAuthnRegistration", { AccessToken: tokens.access });
  const credential = await navigator.credentials.create({ publicKey: creationOptions(started.CredentialCreationOptions) });
  await cognito("CompleteWebAuthnRegistration", { AccessToken: tokens.access, Credential: credentialJson(credential) });
  const listed = await cognito("ListWebAuthnCredentials", { AccessToken: tokens.access });
  $("passkey-status").textContent = `Passkey registered (${listed.Credentials.length} on this account).`;
}

// Called by app.js's render(): Cognito lets an access token manage passkeys only with the
// aws.cognito.signin.user.admin scope (every sign-in through the API; the hosted UI's only when
// the authorize request asked for it).
function canRegisterPasskey() {
  const scopes = (decodeJwt(tokens.access).claims.scope || "").split(" ");
  return (config.signInFactors || []).includes("WEB_AUTHN") && scopes.includes("aws.cognito.signin.user.admin");
}

// Called by app.js for a direct sign-in: refresh and sign out through the API, not the hosted UI.
async function refreshDirect() {
  const answer = await cognito("GetTokensFromRefreshToken", { RefreshToken: tokens.refresh, ClientId: config.clientId });
  const result = answer.AuthenticationResult;
  return { id_token: result.IdToken, access_token: result.AccessToken, refresh_token: result.RefreshToken };
}

async function signOutDirect() {
  await cognito("RevokeToken", { Token: tokens.refresh, ClientId: config.clientId });
  direct.active = false;
}

function wireChoices() {
  const factors = config.signInFactors || [];
  $("direct").hidden = factors.length === 0;
  showFactors(factors);
  const attempt = (action) => { showError(""); action().catch((problem) => showError(problem.message)); };
  for (const factor of factors) $(`direct-${factor}`).addEventListener("click", () => attempt(() => startDirect(factor)));
  $("direct-send-code").addEventListener("click", () => attempt(sendCode));
  $("register-passkey").addEventListener("click", () => attempt(registerPasskey));
}
