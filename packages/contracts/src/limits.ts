/** Bounds on user input shared by every entry point (UI, REST, CLI). */
export const LIMITS = {
  maxGpusPerJob: 64,
  maxTimeLimitMinutes: 14 * 24 * 60,
  maxCommandLength: 64 * 1024,
  maxNameLength: 128,
} as const;
