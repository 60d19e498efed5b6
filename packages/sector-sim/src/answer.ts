// What a reference sector system answers a step request, whichever way it came (NATS or webhook):
// the step's outputs, derived from the request so that the same request always yields the same
// output, or (a share of the time) a refusal with the step's usual reason.
import { createHash } from "node:crypto";
import type { StepRequested } from "@onestop/contracts";

export type Answer = { outcome: "COMPLETED"; outputs: Record<string, string>; resultNumber: string } | { outcome: "REFUSED"; reason: string };

const REFUSAL_REASON: Record<string, string> = {
  "birth-registration": "Thông tin người mẹ không khớp với Cơ sở dữ liệu quốc gia về dân cư",
  "permanent-residence": "Địa chỉ đăng ký thường trú không đủ điều kiện",
  "health-insurance": "Thiếu thông tin hộ gia đình tham gia bảo hiểm y tế",
  "death-registration": "Giấy báo tử không hợp lệ",
  "residence-removal": "Người chết không có đăng ký thường trú tại địa bàn",
  "funeral-allowance": "Người chết không thuộc diện hưởng trợ cấp mai táng",
};

/** What a step yields, derived from the request (so the same request always yields the same output). */
export function outputsOf(request: Pick<StepRequested, "bundleId" | "stepCode" | "inputs">): Record<string, string> {
  const digits = (label: string, length: number) => {
    const hex = createHash("sha256").update(`${request.bundleId}:${label}`).digest("hex");
    return BigInt(`0x${hex.slice(0, 15)}`)
      .toString()
      .padStart(length, "0")
      .slice(-length);
  };
  switch (request.stepCode) {
    case "birth-registration":
      // The child's personal identification number: 12 digits (province 024, century-sex 2, year 25, serial).
      return { personalIdNumber: `0242${digits("pin", 8)}`, birthCertificateNumber: `KS-${digits("ks", 6)}` };
    case "permanent-residence":
      return { residenceNumber: `CT-${digits("ct", 8)}` };
    case "health-insurance":
      return { healthInsuranceCardNumber: `TE1${digits("bhyt", 12)}` };
    case "death-registration":
      return { deathCertificateNumber: `KT-${digits("kt", 6)}` };
    case "residence-removal":
      return { removalNumber: `XT-${digits("xt", 8)}` };
    default:
      return { decisionNumber: `QD-${digits("qd", 6)}` };
  }
}

/** Refuses when `random()` falls under `refuseShare`. */
export function answerOf(request: Pick<StepRequested, "bundleId" | "stepCode" | "inputs">, refuseShare: number, random: () => number): Answer {
  if (random() < refuseShare) return { outcome: "REFUSED", reason: REFUSAL_REASON[request.stepCode] ?? "Hồ sơ không đủ điều kiện" };
  const outputs = outputsOf(request);
  return { outcome: "COMPLETED", outputs, resultNumber: Object.values(outputs).at(-1) ?? "" };
}
