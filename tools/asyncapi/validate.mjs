// Reads an AsyncAPI document on stdin and prints the parser's diagnostics as JSON; exit 1 on errors.
import { Parser } from "@asyncapi/parser";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const parser = new Parser();
const { document, diagnostics } = await parser.parse(Buffer.concat(chunks).toString("utf8"));
const errors = diagnostics.filter((d) => d.severity === 0);
console.log(JSON.stringify({ valid: Boolean(document) && errors.length === 0, version: document?.version(), errors, warnings: diagnostics.filter((d) => d.severity === 1).map((d) => d.message) }));
process.exit(errors.length === 0 && document ? 0 : 1);
