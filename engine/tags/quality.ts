/**
 * Quality codes with Ignition 8's names and numbers (its QualityCode): the top two bits of the 32-bit code are the
 * level (00 Good, 01 Uncertain, 10 Bad, 11 Error) and the low bits the subcode, so Good is 192, Bad_NotFound is
 * 0x80000000 | 519 = -2147483129 as a signed 32-bit integer. Integrators compare against these names and numbers, so
 * Flint uses the same ones (docs/tags.md has the table). Only the qualities the tag system gives are listed.
 */
const LEVEL = { Good: 0, Uncertain: 0x40000000, Bad: 0x80000000, Error: 0xc0000000 } as const;

const code = (level: keyof typeof LEVEL, subcode: number): number => LEVEL[level] | subcode | 0;

export const QUALITIES = {
  Good: code('Good', 192),
  Uncertain: code('Uncertain', 256),
  Uncertain_InitialValue: code('Uncertain', 258),
  Bad: code('Bad', 512),
  Bad_AccessDenied: code('Bad', 514),
  Bad_Stale: code('Bad', 516),
  Bad_NotFound: code('Bad', 519),
  Bad_ReadOnly: code('Bad', 526),
  Bad_Failure: code('Bad', 527),
  Bad_Unsupported: code('Bad', 528),
  Error: code('Error', 768),
  Error_Configuration: code('Error', 769),
  Error_TypeConversion: code('Error', 772),
  Error_TimeoutExpired: code('Error', 775),
  Error_InvalidPathSyntax: code('Error', 777),
} as const;

export type QualityName = keyof typeof QUALITIES;

/** A quality as scripts get it from writeBlocking and inside every qualified value. */
export interface Quality {
  quality: QualityName;
  qualityCode: number;
}

export function quality(name: QualityName): Quality {
  return { quality: name, qualityCode: QUALITIES[name] };
}

/** The name of a stored numeric code (a code Flint does not know reads as plain Bad: it came from a newer store). */
export function qualityName(qualityCode: number): QualityName {
  for (const [name, value] of Object.entries(QUALITIES)) if (value === qualityCode) return name as QualityName;
  return 'Bad';
}

export function isGood(qualityCode: number): boolean {
  return (qualityCode & 0xc0000000) === 0;
}
