// Secrets never reach logs or summaries: every string we print about a URL or a
// connection goes through here first.

const registered = new Set<string>();

/** Remember a secret value so `redact` removes it wherever it appears. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) registered.add(value);
}

export function registeredSecrets(): string[] {
  return [...registered];
}

/** Remove credentials from URLs (user:pass@), known secret query params and registered secrets. */
export function redact(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(:[^/@\s]*)?@/gi, (_m, scheme) => `${scheme}***@`);
  out = out.replace(/((?:password|secret|token|key|sig|signature|x-amz-credential|x-amz-signature)=)[^&\s]+/gi, '$1***');
  for (const s of registered) out = out.split(s).join('***');
  return out;
}
