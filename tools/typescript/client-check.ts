// Type-checked against api.d.ts, which openapi-typescript generates from the gateway's merged
// /openapi.json (tests/test_typescript_client.py); then run with node against a live gateway.
// It is what a front-end developer writes: typed calls, and errors handled by their `code`.
import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

// node runs it; only these two of its globals are used (no @types/node needed)
declare const process: { argv: string[]; exit(code: number): never };

type Problem = components["schemas"]["Problem"];

function codeOf(e: Problem): string {
  // @ts-expect-error: a Problem's status is a number, so the generated type must refuse a string
  const wrong: string = e.status;
  void wrong;
  return e.code;
}

async function main(): Promise<void> {
  const [baseUrl, token] = process.argv.slice(2);
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

  const me = await client.GET("/auth/me");
  if (me.error !== undefined || me.data === undefined) throw new Error("GET /auth/me failed");
  const role: string = me.data.bindings[0].role;

  const missing = await client.GET("/api/grid/v1/incidents/{incident_id}", {
    params: { path: { incident_id: "not-an-incident" } },
  });
  if (missing.error === undefined) throw new Error("an unknown incident was found");
  const code: string = codeOf(missing.error);
  console.log(JSON.stringify({ role, status: missing.response.status, code }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
