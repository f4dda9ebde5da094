// The report's palette: iCatcher+'s colour-blind-safe blue and orange first.
export const COLORS = {
  blue: '#0869a4',
  orange: '#d24f00',
  green: '#3a8d2f',
  purple: '#8e44ad',
  grey: '#8a8f98',
} as const;
