import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INFRA_DIR, REPO_ROOT, filesUnder, parseBicep, repoRelative, resourcePropertiesKeys, stringLiterals } from "./bicepSource.js";

/** Roles that can write, delete or grant: none may appear anywhere in the deployment. */
const FORBIDDEN_ROLES = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
};

/** Microsoft's ids for the built-in roles vaultwatch uses (Azure built-in roles reference). */
const BUILT_IN_ROLE_IDS: Readonly<Record<string, string>> = {
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  "Storage Queue Data Message Sender": "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
  "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  "Log Analytics Reader": "73c42c96-874c-492b-b04d-ab87d138a893",
  "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
};

/** Ways a secret could be read or configured: keys, SAS, connection strings. */
const SECRET_PATTERNS = [
  /listKeys/i,
  /listConnectionStrings/i,
  /listAccountSas/i,
  /listServiceSas/i,
  /listCredentials/i,
  /AccountKey/i,
  /SharedAccessSignature/i,
  /SharedAccessKey/i,
  /DefaultEndpointsProtocol/i,
  /primaryKey|secondaryKey/i,
  /sasToken/i,
];

const infraFiles = [...filesUnder(INFRA_DIR, ".bicep"), ...filesUnder(INFRA_DIR, ".json"), ...filesUnder(INFRA_DIR, ".kql"), join(REPO_ROOT, "azure.yaml")];
const bicepFiles = filesUnder(INFRA_DIR, ".bicep").map((path) => parseBicep(path));
const builtInRoles = JSON.parse(readFileSync(join(INFRA_DIR, "roles/built-in-roles.json"), "utf8")) as Record<string, { id: string; name: string; why: string }>;
const customRole = JSON.parse(readFileSync(join(INFRA_DIR, "roles/vaultwatch-reader.json"), "utf8")) as {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
};

function read(path: string): string {
  return readFileSync(path, "utf8");
}

describe("least privilege", () => {
  it.each(Object.entries(FORBIDDEN_ROLES))("no file of the deployment mentions the %s role id", (_role, id) => {
    expect(infraFiles.filter((path) => read(path).toLowerCase().includes(id)).map(repoRelative)).toEqual([]);
  });

  it("no Bicep file names Owner, Contributor or User Access Administrator as a role", () => {
    const named = bicepFiles.flatMap((file) =>
      stringLiterals(file)
        .filter((literal) => ["owner", "contributor", "user access administrator"].includes(literal.value.toLowerCase()))
        .map((literal) => `${repoRelative(file.path)}:${literal.line} '${literal.value}'`),
    );
    expect(named).toEqual([]);
  });

  it("every built-in role vaultwatch assigns carries Microsoft's id for its name and says why it is needed", () => {
    for (const role of Object.values(builtInRoles)) {
      expect(BUILT_IN_ROLE_IDS[role.name], role.name).toBe(role.id);
      expect(role.why.length, role.name).toBeGreaterThan(20);
    }
  });

  it("role assignments take their role from the data files, never from a GUID typed into a template", () => {
    const literalGuids = bicepFiles.flatMap((file) =>
      file.source
        .split("\n")
        .map((line, index) => ({ line, number: index + 1 }))
        .filter(({ line }) => /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(line))
        .map(({ number }) => `${repoRelative(file.path)}:${number}`),
    );
    expect(literalGuids).toEqual([]);
  });

  it("every role assignment states its principal type, so a new identity is not refused before it replicates", () => {
    for (const file of bicepFiles) {
      const assignments = file.source.split("'Microsoft.Authorization/roleAssignments@").length - 1;
      const principalTypes = file.source.split("principalType:").length - 1;
      expect(principalTypes, repoRelative(file.path)).toBeGreaterThanOrEqual(assignments);
    }
  });

  it("the custom role holds only read actions, without wildcards or data actions", () => {
    expect(customRole.actions.length).toBeGreaterThan(0);
    expect(customRole.actions.filter((action) => !/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/read$/.test(action))).toEqual([]);
    expect(customRole.actions.filter((action) => action.includes("*"))).toEqual([]);
    expect(customRole.dataActions).toEqual([]);
    expect(customRole.notActions).toEqual([]);
  });

  it("the custom role covers every read vaultwatch performs", () => {
    expect(customRole.actions).toEqual(
      expect.arrayContaining([
        "Microsoft.KeyVault/vaults/read",
        "Microsoft.KeyVault/managedHSMs/read",
        "Microsoft.Insights/diagnosticSettings/read",
        "Microsoft.ResourceGraph/resources/read",
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Network/privateEndpoints/read",
      ]),
    );
  });
});

describe("no keys and no connection strings", () => {
  it.each(infraFiles.map((path) => [repoRelative(path), path] as const))("%s neither reads nor sets a key, SAS or storage connection string", (_name, path) => {
    const text = read(path);
    expect(SECRET_PATTERNS.filter((pattern) => pattern.test(text)).map(String)).toEqual([]);
  });

  it("the only connection string is Application Insights', which locates the resource and grants nothing with local auth off", () => {
    const mentions = bicepFiles.flatMap((file) =>
      file.source
        .split("\n")
        .map((line, index) => ({ line, number: index + 1 }))
        .filter(({ line }) => /connectionstring/i.test(line) && !line.trim().startsWith("//"))
        .map(({ line, number }) => ({ where: `${repoRelative(file.path)}:${number}`, line: line.trim() })),
    );
    expect(mentions.map((mention) => mention.line)).toEqual([
      "APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString",
    ]);
    expect(read(join(INFRA_DIR, "main.bicep"))).toContain("disableLocalAuth: true");
  });

  it("storage refuses shared keys and the Functions host reaches it by identity", () => {
    const storage = read(join(INFRA_DIR, "app/storage.bicep"));
    expect(storage).toContain("allowSharedKeyAccess: false");
    expect(storage).toContain("allowBlobPublicAccess: false");
    expect(storage).toContain("minimumTlsVersion: 'TLS1_2'");
    const functionApp = read(join(INFRA_DIR, "app/function-app.bicep"));
    expect(functionApp).toContain("AzureWebJobsStorage__credential: 'managedidentity'");
    expect(functionApp).not.toMatch(/\bAzureWebJobsStorage:/);
  });

  it("the Function App is HTTPS only with TLS 1.2 and no basic publishing credentials", () => {
    const functionApp = read(join(INFRA_DIR, "app/function-app.bicep"));
    expect(functionApp).toContain("httpsOnly: true");
    expect(functionApp).toContain("minTlsVersion: '1.2'");
    expect(functionApp.match(/allow: false/g)).toHaveLength(2);
  });

  it("Event Grid delivers and dead-letters with a managed identity, never with a key or an endpoint URL", () => {
    const events = parseBicep(join(INFRA_DIR, "onboard/events.bicep"));
    const keys = resourcePropertiesKeys(events, "vaultwatchSubscription");
    expect(keys).toEqual(expect.arrayContaining(["deliveryWithResourceIdentity", "deadLetterWithResourceIdentity", "retryPolicy", "filter"]));
    expect(keys).not.toContain("destination");
    expect(keys).not.toContain("deadLetterDestination");
    expect(events.source).not.toMatch(/endpointUrl/i);
  });

  it("the checks above catch a template that reads a key", () => {
    const leaky = "var key = storage.listKeys().keys[0].value\nvar cs = 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${key}'";
    expect(SECRET_PATTERNS.filter((pattern) => pattern.test(leaky)).length).toBeGreaterThanOrEqual(3);
  });
});
