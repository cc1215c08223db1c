// Amplify JS v6 against the local user pool (userPoolEndpoint = the emulator), in Node.
// Input: one JSON object in argv[2] {endpoint, userPoolId, clientId, email, password}.
// Protocol on stdio: prints {"need":"code"} and reads the sign-up code (which the test reads
// from the local outbox) as one line; ends with one JSON line of results {"steps": {...}}.
import { createInterface } from 'node:readline';
import { Amplify } from 'aws-amplify';
import {
  confirmSignUp,
  fetchAuthSession,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

const input = JSON.parse(process.argv[2]);
const store = new Map();
const memoryStorage = {
  async setItem(key, value) { store.set(key, value); },
  async getItem(key) { return store.has(key) ? store.get(key) : null; },
  async removeItem(key) { store.delete(key); },
  async clear() { store.clear(); },
};

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: input.userPoolId,
      userPoolClientId: input.clientId,
      userPoolEndpoint: input.endpoint,
      loginWith: { email: true },
    },
  },
});
cognitoUserPoolsTokenProvider.setKeyValueStorage(memoryStorage);

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const steps = {};
const failure = (error) => ({ name: error?.name ?? String(error), message: error?.message ?? '' });
async function expectError(step, action) {
  try {
    await action();
    steps[step] = { ok: true };
  } catch (error) {
    steps[step] = failure(error);
  }
}
const refreshTokenInStore = () =>
  [...store.entries()].find(([key]) => key.endsWith('.refreshToken'))?.[1] ?? null;

try {
  const signedUp = await signUp({
    username: input.email,
    password: input.password,
    options: { userAttributes: { email: input.email } },
  });
  steps.signUp = { nextStep: signedUp.nextStep.signUpStep, userId: signedUp.userId };

  console.log(JSON.stringify({ need: 'code' }));
  const code = (await lines.next()).value.trim();
  const wrong = code === '000000' ? '111111' : '000000';
  await expectError('confirmWrongCode', () =>
    confirmSignUp({ username: input.email, confirmationCode: wrong }));
  const confirmed = await confirmSignUp({ username: input.email, confirmationCode: code });
  steps.confirm = { isSignUpComplete: confirmed.isSignUpComplete };

  await expectError('signInWrongPassword', () =>
    signIn({ username: input.email, password: input.password + 'x' }));
  const signedIn = await signIn({ username: input.email, password: input.password });
  steps.signIn = { isSignedIn: signedIn.isSignedIn, nextStep: signedIn.nextStep.signInStep };

  const first = await fetchAuthSession();
  const refreshed = await fetchAuthSession({ forceRefresh: true });
  steps.refresh = {
    firstAccessToken: first.tokens?.accessToken?.toString() ?? null,
    accessToken: refreshed.tokens?.accessToken?.toString() ?? null,
    idToken: refreshed.tokens?.idToken?.toString() ?? null,
  };

  const refreshToken = refreshTokenInStore();
  await signOut();
  steps.signOut = { refreshToken, refreshTokenAfter: refreshTokenInStore() };
} catch (error) {
  steps.unexpected = failure(error);
}
console.log(JSON.stringify({ steps }));
process.exit(0);
