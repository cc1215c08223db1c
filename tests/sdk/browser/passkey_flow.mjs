// Amplify JS v6 in a real browser against the local user pool (userPoolEndpoint = the emulator),
// bundled by esbuild for tests/local/test_amplify_passkeys.py. The page calls `window.amplify.*`;
// every call answers one JSON-able object and never throws: {ok: true, ...} or the error's
// {ok: false, name, message}, so a test sees Amplify's own error names (CodeMismatchException,
// NotAuthorizedException, PasskeyError codes) as the app would.
import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential,
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  deleteWebAuthnCredential,
  fetchAuthSession,
  listWebAuthnCredentials,
  signIn,
  signOut,
  signUp,
} from 'aws-amplify/auth';

const failure = (error) => ({
  ok: false,
  name: error?.name ?? String(error),
  message: error?.message ?? '',
});

async function answer(action) {
  try {
    return { ok: true, ...((await action()) ?? {}) };
  } catch (error) {
    return failure(error);
  }
}

const steps = (result) => ({ isSignedIn: result.isSignedIn, nextStep: result.nextStep });

window.amplify = {
  configure: ({ endpoint, userPoolId, clientId }) =>
    answer(() => {
      Amplify.configure({
        Auth: {
          Cognito: {
            userPoolId,
            userPoolClientId: clientId,
            userPoolEndpoint: endpoint,
            loginWith: { email: true },
          },
        },
      });
    }),
  // Without a password: a passwordless user, signed in after confirmation by autoSignIn
  // (USER_AUTH with ConfirmSignUp's Session).
  signUp: ({ email, password }) =>
    answer(async () => {
      const result = await signUp({
        username: email,
        ...(password ? { password } : {}),
        options: {
          userAttributes: { email },
          ...(password ? {} : { autoSignIn: { authFlowType: 'USER_AUTH' } }),
        },
      });
      return { userId: result.userId, nextStep: result.nextStep };
    }),
  autoSignIn: () => answer(async () => steps(await autoSignIn())),
  confirmSignUp: ({ email, code }) =>
    answer(async () => {
      const result = await confirmSignUp({ username: email, confirmationCode: code });
      return { isSignUpComplete: result.isSignUpComplete, nextStep: result.nextStep };
    }),
  signIn: (input) => answer(async () => steps(await signIn(input))),
  confirmSignIn: (challengeResponse) =>
    answer(async () => steps(await confirmSignIn({ challengeResponse }))),
  associateWebAuthnCredential: () => answer(() => associateWebAuthnCredential()),
  listWebAuthnCredentials: () =>
    answer(async () => ({ credentials: (await listWebAuthnCredentials()).credentials })),
  deleteWebAuthnCredential: (credentialId) =>
    answer(() => deleteWebAuthnCredential({ credentialId })),
  tokens: () =>
    answer(async () => {
      const { tokens } = await fetchAuthSession();
      return {
        idToken: tokens?.idToken?.toString() ?? null,
        accessToken: tokens?.accessToken?.toString() ?? null,
      };
    }),
  signOut: () => answer(() => signOut()),
};
document.body.dataset.ready = 'true';
