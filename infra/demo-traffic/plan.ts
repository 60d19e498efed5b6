// What happens to one live demo dossier, drawn from a generator seeded by its slot (the moment it
// is filed), so that a slot always yields the same dossier: the same request body under the same
// Idempotency-Key, whenever and however often the demo runs that day. Shares are rough
// orders of magnitude of a provincial one-stop desk, not measurements.
import { DAY_MS, fullName, idNumber, pick, random, seedOf, vietnamDay, workingMoment } from "./people.js";

export interface FeeLine {
  code: string;
  amount: number;
  onlineAmount?: number;
}

export interface ProcedureSummary {
  code: string;
  name: string;
  levels: string[];
  onlineMode: "FULL" | "PARTIAL" | "NONE";
  timeLimit: { amount: number; unit: string };
  fees: FeeLine[];
  bundleCode?: string;
}

export interface AgencySummary {
  code: string;
  level: string;
}

export interface Catalogue {
  procedures: ProcedureSummary[];
  agencies: AgencySummary[];
}

export type Channel = "ONLINE" | "IN_PERSON" | "POSTAL";
export type BundleCode = "BIRTH" | "DEATH";

export interface Applicant {
  idNumber: string;
  fullName: string;
  /** One of the day's regulars: their earlier documents may be reused. */
  regular: boolean;
}

export interface PaymentPlan {
  /** OTHER_GATEWAY is paid at the simulated VNPAY page; the others are confirmed by the desk. */
  channel: "OTHER_GATEWAY" | "DESK" | "BANK_TRANSFER";
  /** At the gateway: the first attempt declined (not enough money), paid at the second. */
  declinedFirst: boolean;
}

export interface DossierPlan {
  /** Idempotency-Key and event ids start with it. */
  key: string;
  procedure: ProcedureSummary;
  agencyCode: string;
  channel: Channel;
  receivedAt: number;
  applicant: Applicant;
  /** The applicable fee lines, when the procedure lists alternatives (on time free, late charged). */
  fees?: Array<{ code: string; amount: number }>;
  bundle?: BundleCode;
  bundleInputs?: Record<string, string>;
  /** Components scanned at the desk (component type codes). */
  digitise: string[];
  payment?: PaymentPlan;
  supplement: boolean;
  pause: boolean;
  /** Received long before (entered late by its desk), so that it is or will be overdue. */
  late: boolean;
  fate: "RESOLVED" | "REFUSED" | "PROCESSING" | "WITHDRAWN";
  /** The result as a signed electronic document, returned online. */
  electronicResult: boolean;
  returnChannel: Channel;
  rating?: number;
  /** Seconds after filing at which the story's steps run (compressed: a demo minute is a desk's week). */
  pace: number;
}

/** The day's regular applicants: a small set, so that their documents come back in later dossiers. */
const REGULARS = 30;

function applicantOf(day: string, rand: () => number): Applicant {
  const regular = rand() < 0.3;
  const own = random(regular ? seedOf(`${day}-regular-${Math.floor(rand() * REGULARS)}`) : Math.floor(rand() * 2 ** 31));
  return { idNumber: idNumber(own), fullName: fullName(own), regular };
}

/** Procedures listing a zero line beside charged ones (on-time vs late registration): the desk names the one that applies. */
function applicableFees(procedure: ProcedureSummary, channel: Channel, late: boolean): Array<{ code: string; amount: number }> | undefined {
  const free = procedure.fees.find((line) => line.amount === 0);
  const charged = procedure.fees.filter((line) => line.amount > 0);
  if (!free || charged.length === 0) return undefined;
  const lines = late ? charged : [free];
  return lines.map((line) => ({ code: line.code, amount: channel === "ONLINE" ? (line.onlineAmount ?? line.amount) : line.amount }));
}

/** Calendar days back, so that a receipt is past its time limit (about 7 calendar days per 5 working days). */
function lateBy(procedure: ProcedureSummary, rand: () => number): number {
  const limitDays = procedure.timeLimit.unit === "WORKING_DAYS" ? Math.ceil((procedure.timeLimit.amount * 7) / 5) : 1;
  return limitDays + 2 + Math.floor(rand() * 6);
}

function birthInputs(rand: () => number, filedAt: number): Record<string, string> {
  return {
    childFullName: fullName(rand),
    childBirthDate: vietnamDay(filedAt - Math.floor(rand() * 20) * DAY_MS),
    childSex: rand() < 0.5 ? "NAM" : "NU",
    birthPlace: pick(rand, ["Bệnh viện Sản Nhi tỉnh Bắc Ninh", "Bệnh viện Đa khoa tỉnh Bắc Ninh", "Trung tâm Y tế thành phố Bắc Ninh"]),
    motherIdNumber: idNumber(rand),
    fatherIdNumber: idNumber(rand),
    residenceAddress: `Số ${1 + Math.floor(rand() * 200)} đường ${pick(rand, ["Hoàng Văn Thụ", "Ngô Gia Tự", "Lý Thái Tổ", "Trần Hưng Đạo"])}`,
    householdHeadIdNumber: idNumber(rand),
  };
}

function deathInputs(rand: () => number, filedAt: number): Record<string, string> {
  return {
    deceasedFullName: fullName(rand),
    deceasedIdNumber: idNumber(rand),
    deathDate: vietnamDay(filedAt - Math.floor(rand() * 10) * DAY_MS),
    deathPlace: pick(rand, ["Phường Bắc Giang", "Phường Kinh Bắc", "Xã Tiên Du"]),
    residenceAddress: `Số ${1 + Math.floor(rand() * 200)} đường ${pick(rand, ["Hoàng Văn Thụ", "Ngô Gia Tự", "Lý Thái Tổ"])}`,
    claimantIdNumber: idNumber(rand),
    bankAccount: String(Math.floor(rand() * 1e10)).padStart(10, "0"),
  };
}

const COMPONENTS = ["TK", "CCCD", "GIAY_TO_KHAC"];

/** The dossier filed at `slotMs`, for the catalogue as intake lists it. */
export function planDossier(slotMs: number, catalogue: Catalogue): DossierPlan | undefined {
  const day = vietnamDay(slotMs);
  const key = `demo-live-${day}-${slotMs}`;
  const rand = random(seedOf(key));
  const applicant = applicantOf(day, rand);
  const kind = rand();
  const communes = catalogue.agencies.filter((agency) => agency.level === "COMMUNE");
  if (kind < 0.08 && communes.length > 0) {
    const bundle: BundleCode = kind < 0.05 ? "BIRTH" : "DEATH";
    const procedure = catalogue.procedures.find((p) => p.bundleCode === bundle) ?? catalogue.procedures[0]!;
    return {
      key,
      procedure,
      agencyCode: pick(rand, communes).code,
      // The birth bundle is filed online only (Decree 63/2024); a death mostly at the desk.
      channel: bundle === "BIRTH" || rand() < 0.4 ? "ONLINE" : "IN_PERSON",
      receivedAt: slotMs,
      applicant,
      bundle,
      bundleInputs: bundle === "BIRTH" ? birthInputs(rand, slotMs) : deathInputs(rand, slotMs),
      digitise: [],
      supplement: false,
      pause: false,
      late: false,
      fate: "RESOLVED",
      electronicResult: true,
      returnChannel: "ONLINE",
      pace: 5 + rand() * 10,
    };
  }
  const procedures = catalogue.procedures.filter((p) => !p.bundleCode);
  const procedure = pick(rand, procedures);
  const candidates = catalogue.agencies.filter((agency) => procedure.levels.includes(agency.level));
  if (candidates.length === 0) return undefined;
  const channel: Channel = procedure.onlineMode !== "NONE" && rand() < 0.7 ? "ONLINE" : rand() < 0.85 ? "IN_PERSON" : "POSTAL";
  const late = rand() < 0.08;
  const fees = applicableFees(procedure, channel, late);
  const charged = (fees ?? procedure.fees).some((line) => line.amount > 0);
  const fateDraw = rand();
  const fate = fateDraw < 0.02 ? "WITHDRAWN" : fateDraw < 0.1 || (late && fateDraw < 0.5) ? "PROCESSING" : fateDraw < 0.13 ? "REFUSED" : "RESOLVED";
  const electronicResult = channel === "ONLINE" ? rand() < 0.9 : rand() < 0.3;
  const paysOnline = channel === "ONLINE" ? rand() < 0.85 : rand() < 0.2;
  return {
    key,
    procedure,
    agencyCode: pick(rand, candidates).code,
    channel,
    receivedAt: late ? workingMoment(slotMs, lateBy(procedure, rand), rand) : slotMs,
    applicant,
    ...(fees ? { fees } : {}),
    // Paper components are scanned at the desk; online filings carry one scan now and then.
    digitise: COMPONENTS.filter((_, index) => rand() < (channel === "ONLINE" ? 0.3 : 0.85) / (index + 1)),
    ...(charged ? { payment: { channel: paysOnline ? "OTHER_GATEWAY" : channel === "POSTAL" ? "BANK_TRANSFER" : "DESK", declinedFirst: rand() < 0.06 } } : {}),
    supplement: rand() < 0.08,
    pause: rand() < 0.04,
    late,
    fate,
    electronicResult,
    returnChannel: electronicResult ? "ONLINE" : channel === "POSTAL" || rand() < 0.1 ? "POSTAL" : "IN_PERSON",
    ...(rand() < 0.4 ? { rating: rand() < 0.9 ? 5 : 3 } : {}),
    pace: 10 + rand() * 50,
  };
}
