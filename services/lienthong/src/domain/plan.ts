// Planning a filed bundle: each step's agency from the effective-dated registry (by agency kind,
// nearest to the receiving desk's area), the bundle's deadline on the working-day calendar.
import { computeDueAt, localDateOf, type WorkingCalendar } from "@onestop/calendar";
import { bundleTimeLimit, type Agency, type Bundle as BundleDefinition } from "@onestop/catalogue";
import type { BundlePlan } from "./bundle.js";

export interface AgencyChooser {
  /** The agency of `kind` nearest to `nearAgencyCode` valid on `date` (catalogue AgencyKinds.chooseAgency). */
  chooseAgency(kind: string, nearAgencyCode: string, date: string): Agency | undefined;
  isOfKind(agency: Agency, kind: string): boolean;
  agencyAt(code: string, date: string): Agency | undefined;
}

export interface Filing {
  id: string;
  dossierCode: string;
  receivingAgencyCode: string;
  requestedAt: string;
  form: Record<string, string>;
  /** Agency per step code where the filer names it (must be of the step's kind). */
  agencyCodes?: Record<string, string>;
}

export interface PlanError {
  path: string;
  message: string;
}

export type PlanResult = { ok: true; plan: BundlePlan } | { ok: false; errors: PlanError[] };

export function planBundle(definition: BundleDefinition, filing: Filing, agencies: AgencyChooser, calendar: WorkingCalendar): PlanResult {
  const routing = definition.routing;
  if (!routing) return { ok: false, errors: [{ path: "bundleCode", message: `nhóm thủ tục ${definition.code} chưa có cấu hình liên thông` }] };
  const limit = bundleTimeLimit(definition);
  if (!limit) return { ok: false, errors: [{ path: "bundleCode", message: `nhóm thủ tục ${definition.code} không có thời hạn` }] };
  const missing = routing.steps.filter((route) => !definition.steps.some((step) => step.route?.code === route.code));
  if (missing.length > 0) return { ok: false, errors: [{ path: "bundleCode", message: `nhóm thủ tục ${definition.code} thiếu thủ tục cho bước ${missing.map((route) => route.code).join(", ")}` }] };
  const day = localDateOf(filing.requestedAt);
  const errors: PlanError[] = [];
  const steps: BundlePlan["steps"] = [];
  for (const { route, procedure } of definition.steps) {
    if (!route) continue;
    const named = filing.agencyCodes?.[route.code];
    let agency: Agency | undefined;
    if (named !== undefined) {
      agency = agencies.agencyAt(named, day);
      if (!agency || !agencies.isOfKind(agency, route.agencyKind)) {
        errors.push({ path: `agencyCodes.${route.code}`, message: `${named} không phải cơ quan loại ${route.agencyKind} còn hiệu lực ngày ${day}` });
        continue;
      }
    } else {
      agency = agencies.chooseAgency(route.agencyKind, filing.receivingAgencyCode, day);
      if (!agency) {
        errors.push({ path: "receivingAgencyCode", message: `không có cơ quan loại ${route.agencyKind} phục vụ địa bàn của ${filing.receivingAgencyCode} ngày ${day}` });
        continue;
      }
    }
    steps.push({
      code: route.code,
      procedureCode: procedure.code,
      agencyKind: route.agencyKind,
      agencyCode: agency.code,
      dependsOn: [...route.dependsOn],
      timeLimit: { ...route.timeLimit },
      inputs: [...route.inputs],
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  const dueAt = computeDueAt({ receivedAt: filing.requestedAt, timeLimit: limit }, calendar).dueAt!;
  return {
    ok: true,
    plan: {
      id: filing.id,
      bundleCode: definition.code.toLowerCase(),
      dossierCode: filing.dossierCode,
      receivingAgencyCode: filing.receivingAgencyCode,
      dispatch: routing.dispatch,
      warnAtShare: routing.warnAtShare,
      requestedAt: filing.requestedAt,
      dueAt,
      form: { ...filing.form },
      steps,
    },
  };
}
