// The tutorial's browser flow: sign up / log in through the hosted UI (authorization code +
// PKCE S256) or on the page itself (choices.js), show the decoded tokens, call the API with
// either token, refresh, log out.
// Tokens live in this module's memory only; sessionStorage holds just the PKCE verifier and
// state across the redirect to the hosted UI and back.
"use strict";

const PKCE_KEY = "jwt-profile-demo-pkce";
const tokens = { id: null, access: null, refresh: null };
let config = null;
let ticker = null;

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function base64url(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(byteCount) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

async function s256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return base64url(new Uint8Array(digest));
}

function decodePart(part) {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function decodeJwt(token) {
  const [header, claims] = token.split(".");
  return { header: decodePart(header), claims: decodePart(claims) };
}

async function startSignIn(page) {
  // page: "signup" or "oauth2/authorize" (which shows the login form when not signed in)
  const verifier = randomText(32);
  const state = randomText(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    client_id: config.clientId,
    response_type: "code",
    redirect_uri: config.redirectUri,
    state,
    code_challenge: await s256(verifier),
    code_challenge_method: "S256",
  });
  if (config.scopes) params.set("scope", config.scopes);
  location.assign(`${config.authUrl}/${page}?${params}`);
}

async function tokenRequest(fields) {
  const response = await fetch(`${config.authUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: config.clientId, ...fields }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`token endpoint: ${response.status} ${body.error}: ${body.error_description || ""}`);
  return body;
}

function keep(body) {
  tokens.id = body.id_token || tokens.id;
  tokens.access = body.access_token || tokens.access;
  tokens.refresh = body.refresh_token || tokens.refresh;
}

async function finishRedirect() {
  const query = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (query.has("code") || query.has("error") || fragment.has("access_token") || fragment.has("error")) {
    history.replaceState(null, "", location.pathname); // the code and tokens leave the address bar
  }
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  const error = query.get("error") || fragment.get("error");
  if (error) {
    showError(`The hosted UI answered ${error}: ${query.get("error_description") || fragment.get("error_description") || ""}`);
    return;
  }
  if (fragment.has("access_token")) { // the tutorial's implicit redirect (response_type=token)
    keep({ id_token: fragment.get("id_token"), access_token: fragment.get("access_token") });
    return;
  }
  if (!query.has("code")) return;
  if (!saved || saved.state !== query.get("state")) {
    showError("The sign-in answer's state does not match the one this page sent: ignored.");
    return;
  }
  keep(await tokenRequest({
    grant_type: "authorization_code",
    code: query.get("code"),
    redirect_uri: config.redirectUri,
    code_verifier: saved.verifier,
  }));
}

function timeLeft(claims) {
  const seconds = claims.exp - Math.floor(Date.now() / 1000);
  if (seconds <= 0) return "(expired)";
  const minutes = Math.floor(seconds / 60);
  return `(expires in ${minutes} min ${String(seconds % 60).padStart(2, "0")} s)`;
}

function render() {
  const signedIn = Boolean(tokens.access);
  $("signed-in").hidden = !signedIn;
  $("signed-out").hidden = signedIn;
  clearInterval(ticker);
  if (!signedIn) return;
  const shown = [];
  for (const kind of ["id", "access"]) {
    const token = tokens[kind];
    if (!token) {
      $(`${kind}-token-header`).textContent = "(none: request the openid scope)";
      $(`${kind}-token-claims`).textContent = "";
      continue;
    }
    const decoded = decodeJwt(token);
    $(`${kind}-token-header`).textContent = JSON.stringify(decoded.header, null, 2);
    $(`${kind}-token-claims`).textContent = JSON.stringify(decoded.claims, null, 2);
    shown.push([kind, decoded.claims]);
  }
  const tick = () => { for (const [kind, claims] of shown) $(`${kind}-time-left`).textContent = timeLeft(claims); };
  tick();
  ticker = setInterval(tick, 1000);
  const claims = decodeJwt(tokens.id || tokens.access).claims;
  $("status").textContent = `Signed in as ${claims.email || claims.username || claims.sub}`;
  $("refresh").disabled = !tokens.refresh;
  $("register-passkey").hidden = !canRegisterPasskey(); // choices.js
  $("passkey-status").textContent = "";
}

async function callApi(method, body) {
  const kind = document.querySelector("input[name=token]:checked").value;
  const headers = kind === "none" ? {} : { authorization: `Bearer ${tokens[kind]}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const what = kind === "none" ? "no token" : `the ${kind} token`;
  $("api-status").textContent = `${method} /user/profile with ${what}…`;
  $("api-status").className = "";
  $("api-body").textContent = "";
  let response;
  try {
    response = await fetch(`${config.apiUrl}/user/profile`, { method, headers, body });
  } catch (problem) {
    $("api-status").textContent = `${method} failed before an answer: ${problem.message} (is the API up, and does its CORS allow ${location.origin}?)`;
    return;
  }
  // Read the whole body before showing anything: the status and the body appear together, so
  // nobody (person or test) sees "HTTP 200" above an empty body.
  let text;
  try {
    text = await response.text();
  } catch (problem) {
    $("api-status").textContent = `${method} got HTTP ${response.status} but its body was cut off: ${problem.message}`;
    $("api-status").className = "error";
    return;
  }
  let shown = text;
  try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: show it as sent */ }
  $("api-body").textContent = shown;
  $("api-status").textContent = `${method} /user/profile with ${what}: HTTP ${response.status}`;
  $("api-status").className = response.ok ? "ok" : "error";
}

function profileBody() {
  const profile = { name: $("profile-name").value };
  for (const field of ["bio", "website"]) {
    const value = $(`profile-${field}`).value;
    if (value) profile[field] = value;
  }
  return JSON.stringify(profile);
}

function wire() {
  $("signup").addEventListener("click", () => startSignIn("signup").catch((e) => showError(e.message)));
  $("login").addEventListener("click", () => startSignIn("oauth2/authorize").catch((e) => showError(e.message)));
  $("get-profile").addEventListener("click", () => callApi("GET"));
  $("profile-form").addEventListener("submit", (event) => { event.preventDefault(); callApi("POST", profileBody()); });
  $("refresh").addEventListener("click", async () => {
    try {
      const grant = { grant_type: "refresh_token", refresh_token: tokens.refresh };
      keep(await (direct.active ? refreshDirect() : tokenRequest(grant)));
      showError("");
      render();
      $("status").textContent += " (tokens refreshed)";
    } catch (problem) { showError(problem.message); }
  });
  $("logout").addEventListener("click", async () => {
    if (direct.active) { // signed in on this page (choices.js): revoke, no hosted UI session
      try { await signOutDirect(); } catch (problem) { showError(problem.message); }
      tokens.id = tokens.access = tokens.refresh = null;
      render();
      return;
    }
    tokens.id = tokens.access = tokens.refresh = null;
    const params = new URLSearchParams({ client_id: config.clientId, logout_uri: config.redirectUri });
    location.assign(`${config.authUrl}/logout?${params}`);
  });
}

async function main() {
  config = await (await fetch("config.json")).json();
  $("auth-url").textContent = config.authUrl;
  $("api-url").textContent = config.apiUrl;
  wire();
  wireChoices(); // choices.js: the page's own sign-in, when the pool offers it
  try { await finishRedirect(); } catch (problem) { showError(problem.message); }
  render();
  document.body.dataset.ready = "true"; // tests wait for this
}

main().catch((problem) => showError(`The page could not start: ${problem.message}`));
