import type { PhysiologyPattern } from './catalogue/presentations';
import type { AcvpuLevel, VitalSignSet } from './catalogue/vital-signs';
import type { Random } from './random';

interface Centre {
  readonly respiratoryRate: number;
  readonly oxygenSaturation: number;
  readonly systolic: number;
  readonly heartRate: number;
  readonly temperature: number;
  readonly bloodGlucose: number;
}

/** Where each pattern's vital signs sit; each reading is drawn around it. */
const CENTRES: Readonly<Record<PhysiologyPattern, Centre>> = {
  stable: {
    respiratoryRate: 16,
    oxygenSaturation: 97,
    systolic: 138,
    heartRate: 80,
    temperature: 36.7,
    bloodGlucose: 6,
  },
  respiratory: {
    respiratoryRate: 26,
    oxygenSaturation: 91,
    systolic: 140,
    heartRate: 104,
    temperature: 37.2,
    bloodGlucose: 6.4,
  },
  septic: {
    respiratoryRate: 24,
    oxygenSaturation: 93,
    systolic: 102,
    heartRate: 116,
    temperature: 38.7,
    bloodGlucose: 7.5,
  },
  cardiac: {
    respiratoryRate: 20,
    oxygenSaturation: 95,
    systolic: 152,
    heartRate: 96,
    temperature: 36.6,
    bloodGlucose: 6.8,
  },
  neurological: {
    respiratoryRate: 18,
    oxygenSaturation: 96,
    systolic: 145,
    heartRate: 98,
    temperature: 37,
    bloodGlucose: 6.2,
  },
  hypoglycaemic: {
    respiratoryRate: 18,
    oxygenSaturation: 97,
    systolic: 128,
    heartRate: 102,
    temperature: 36.4,
    bloodGlucose: 2.6,
  },
};

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function consciousness(random: Random, pattern: PhysiologyPattern): AcvpuLevel {
  if (pattern === 'neurological') return random.pick(['Voice', 'New confusion', 'Alert'] as const);
  if (pattern === 'hypoglycaemic') return random.pick(['New confusion', 'Voice'] as const);
  if (pattern === 'septic') return random.chance(0.3) ? 'New confusion' : 'Alert';
  return 'Alert';
}

const GCS_BY_LEVEL: Readonly<Record<AcvpuLevel, readonly [number, number]>> = {
  Alert: [15, 15],
  'New confusion': [13, 14],
  Voice: [11, 13],
  Pain: [7, 9],
  Unresponsive: [3, 5],
};

/** One plausible set of observations for someone presenting with this pattern. */
export function drawVitalSigns(random: Random, pattern: PhysiologyPattern): VitalSignSet {
  const centre = CENTRES[pattern];
  const acvpu = consciousness(random, pattern);
  const [gcsLow, gcsHigh] = GCS_BY_LEVEL[acvpu];
  const oxygenSaturation = Math.round(clamp(random.normal(centre.oxygenSaturation, 1.5), 82, 100));
  const systolic = Math.round(clamp(random.normal(centre.systolic, 12), 75, 210));
  return {
    respiratoryRate: Math.round(clamp(random.normal(centre.respiratoryRate, 2.5), 8, 40)),
    oxygenSaturation,
    onOxygen: oxygenSaturation < 94,
    systolic,
    diastolic: Math.round(clamp(systolic * random.float(0.55, 0.68), 40, 120)),
    heartRate: Math.round(clamp(random.normal(centre.heartRate, 9), 40, 170)),
    temperature: Math.round(clamp(random.normal(centre.temperature, 0.35), 34.5, 40.5) * 10) / 10,
    acvpu,
    glasgowComaScore: random.int(gcsLow, gcsHigh),
    bloodGlucose: Math.round(clamp(random.normal(centre.bloodGlucose, 0.8), 1.8, 25) * 10) / 10,
  };
}
