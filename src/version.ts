// Single source of the version printed by the CLI and written into manifests.
export const VERSION = '0.1.0';
