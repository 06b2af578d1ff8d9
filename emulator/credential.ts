import type { AccessToken, TokenCredential } from "@azure/core-auth";

export const EMULATOR_TOKEN = "vaultwatch-emulator-token";

/**
 * A credential that always returns the same bearer token. The expiry sits a day ahead because the SDK's
 * token cycler refreshes two minutes before expiry; a short-lived token would be re-fetched on every call.
 */
export function staticCredential(token: string = EMULATOR_TOKEN): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 86_400_000 }),
  };
}
