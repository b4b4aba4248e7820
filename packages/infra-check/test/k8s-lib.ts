/**
 * Validation of Kubernetes objects against the Kubernetes API's schemas (kubernetes-models: one
 * class per kind, whose validate() checks types, required fields, enums and formats). It does
 * not refuse unknown fields (a real API server with `--validate=strict` does), so the tests also
 * check the fields that matter by name.
 */

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The module of a kind: `kubernetes-models/apps/v1/Deployment`, core `kubernetes-models/v1/Service`. */
function modulePath(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** The problems the Kubernetes schema finds in an object (none: []), or that its kind is unknown. */
export async function validateManifest(object: { apiVersion?: unknown; kind?: unknown; [key: string]: unknown }): Promise<string[]> {
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return ['no apiVersion or kind'];
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(modulePath(object.apiVersion, object.kind))) as Record<string, unknown>;
  } catch {
    return [`unknown kind ${object.apiVersion} ${object.kind}`];
  }
  const Class = loaded[object.kind] as ModelClass | undefined;
  if (typeof Class !== 'function') return [`unknown kind ${object.apiVersion} ${object.kind}`];
  try {
    new Class(object).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}
