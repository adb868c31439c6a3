// Scores shared by the two plugin frameworks (placement and routing): plugins return [0,1] and the run loops
// bring every raw score into that range here before weighting (STYLE.md, "one place clamps, weights and converts").

/** The single place a score is brought into [0,1]; NaN and infinities count as 0 (the worst). */
export function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
