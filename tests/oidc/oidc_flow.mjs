// openid-client v6 (a strict OIDC relying party) against the local hosted UI, as a browser app's
// backend would use it: authorization code + PKCE + nonce + state, refresh, RFC 7009 revocation.
// Configured from the pool's discovery URL (README, "Using Amplify / openid-client / Authlib
// against make local"). The user signs in on the hosted UI's login form, driven here with fetch.
// Prints one JSON line: {"steps": {...}}; each step records what the library answered.
import * as client from "openid-client";

const { discoveryUrl, clientId, redirectUri, email, password } = JSON.parse(process.argv[2]);
const steps = {};

function describe(error) {
  return {
    name: error.name,
    code: error.code ?? null,
    claim: error.cause?.cause?.claim ?? null, // oauth4webapi's error, wrapped by openid-client
    detail: error.cause?.message ?? null,
    message: error.message,
    error: error.error ?? null,
    description: error.error_description ?? null,
  };
}

// Given the full discovery URL, discovery() reads that document (the pool's issuer is the AWS
// URL the tokens carry, its document is on the local AWS endpoint); http needs
// allowInsecureRequests.
const config = await client.discovery(new URL(discoveryUrl), clientId, undefined, client.None(), {
  execute: [client.allowInsecureRequests],
});
steps.issuer = config.serverMetadata().issuer;

// A browser: cookies by name, redirects followed by hand.
const jar = new Map();
async function browse(url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const answer = await fetch(url, { ...init, headers, redirect: "manual" });
  for (const line of answer.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair.indexOf("=");
    jar.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return answer;
}

async function authorize(nonce, state, verifier, { withPassword }) {
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid email profile",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    nonce,
    state,
  });
  let answer = await browse(url);
  let location = new URL(answer.headers.get("location"), url);
  if (withPassword) {
    const page = await (await browse(location)).text();
    const csrf = /name=_csrf value="([^"]+)"/.exec(page)[1];
    answer = await browse(location, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, username: email, password }),
    });
    location = new URL(answer.headers.get("location"), url);
  }
  return location; // the callback with ?code=...&state=...
}

const verifier = client.randomPKCECodeVerifier();
const nonce = client.randomNonce();
const state = client.randomState();
const callback = await authorize(nonce, state, verifier, { withPassword: true });
const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedNonce: nonce,
  expectedState: state,
  idTokenExpected: true,
});
const claims = tokens.claims();
steps.code = {
  nonceMatches: claims.nonce === nonce,
  atHash: typeof claims.at_hash === "string",
  emailVerified: claims.email_verified,
  email: claims.email,
  authTime: claims.auth_time,
};

// A replayed ID token: the signed-in browser gets a new code, checked against another nonce.
const verifier2 = client.randomPKCECodeVerifier();
const callback2 = await authorize(client.randomNonce(), state, verifier2, { withPassword: false });
try {
  await client.authorizationCodeGrant(config, callback2, {
    pkceCodeVerifier: verifier2,
    expectedNonce: "not-the-nonce-sent",
    expectedState: state,
  });
  steps.wrongNonce = "accepted";
} catch (error) {
  steps.wrongNonce = describe(error);
}

const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
steps.refresh = { authTime: refreshed.claims()?.auth_time ?? null, idToken: !!refreshed.id_token };

try {
  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: "refresh_token" });
  steps.revoke = "revoked";
} catch (error) {
  steps.revoke = describe(error);
}
try {
  await client.refreshTokenGrant(config, tokens.refresh_token);
  steps.refreshAfterRevoke = "refreshed";
} catch (error) {
  steps.refreshAfterRevoke = describe(error);
}

console.log(JSON.stringify({ steps }));
