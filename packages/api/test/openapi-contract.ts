/**
 * Reading the served OpenAPI document the way a client does: its operations, what each answers,
 * and a JSON Schema validator (ajv, draft 2020-12, the dialect of OpenAPI 3.1) for the bodies.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS: its default export is the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

export interface OpenApiOperation {
  operationId: string;
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  parameters?: { name: string; in: string }[];
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
}

export interface DocumentedOperation {
  path: string;
  /** Upper case, as sent. */
  method: string;
  operation: OpenApiOperation;
}

export function documentedOperations(doc: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "head", "post", "put", "patch", "delete"].includes(method))
      .map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

/**
 * Checks one answer against the document: its status is documented for the operation, and a
 * JSON body matches that status's schema. Returns what is wrong, or null.
 */
export function createContractCheck(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: "openapi.json" });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ref: string) => {
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.getSchema(`openapi.json#/${ref}`);
      if (!validate) throw new Error(`no schema at ${ref}`);
      compiled.set(ref, validate);
    }
    return validate;
  };

  return function check({ path, method, operation }: DocumentedOperation, answer: Answer) {
    const response = operation.responses[String(answer.status)];
    if (!response) return `${method} ${path}: undocumented status ${answer.status}`;
    const base = response.$ref
      ? pointer("components", "responses", response.$ref.split("/").pop()!)
      : pointer("paths", path, method.toLowerCase(), "responses", String(answer.status));
    const content = response.$ref
      ? doc.components.responses[response.$ref.split("/").pop()!]!.content
      : response.content;
    if (!content) return null;
    const mediaType = (answer.contentType ?? "").split(";")[0]!.trim();
    const documented = Object.keys(content);
    if (method === "HEAD") return null;
    if (!documented.includes(mediaType))
      return `${method} ${path} ${answer.status}: content-type ${mediaType}, documented ${documented.join()}`;
    if (mediaType !== "application/json" || !content[mediaType]!.schema) return null;
    const validate = validator(`${base}/${pointer("content", mediaType, "schema")}`);
    if (validate(JSON.parse(answer.text))) return null;
    return `${method} ${path} ${answer.status}: ${ajv.errorsText(validate.errors)} in ${answer.text.slice(0, 300)}`;
  };
}

export interface SendOptions {
  body?: string;
  contentType?: string;
  query?: string;
  headers?: Record<string, string>;
}

/** One request to a documented operation; the whole answer is read. */
export async function send(
  base: string,
  { path, method }: DocumentedOperation,
  { body, contentType, query = "", headers = {} }: SendOptions = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}${query}`, {
    method,
    redirect: "manual",
    headers: { ...(contentType ? { "content-type": contentType } : {}), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
  };
}
