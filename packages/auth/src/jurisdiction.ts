import { localDateOf } from "@onestop/calendar";
import type { AgencyRegistry } from "@onestop/catalogue";
import { ForbiddenError } from "./errors.js";
import { hasRole, type Principal } from "./principal.js";

/** Whose a dossier is: the desk that received it and the deciding agencies in order, the current holder last. */
export interface DossierHolders {
  receivingUnitCode: string;
  agencyCodes: readonly string[];
}

export interface ReportScopeRequest {
  agencyCode?: string;
}

/**
 * Roles with jurisdiction, judged on the registry as it stands today: an agency merged into
 * another (the 1 July 2025 reorganisation) is its successor's, so an officer of the new Sở sees
 * the old Sở's dossiers, and a token still naming the old agency acts as its successor.
 */
export class Jurisdiction {
  constructor(
    private readonly registry: AgencyRegistry,
    /** Today's date in Vietnam, "YYYY-MM-DD"; the system clock's by default. */
    private readonly today: () => string = () => localDateOf(new Date()),
  ) {}

  /** May receive dossiers at desk `receivingUnitCode`: its desk officers, and services (the national portal's online filings). */
  assertMayReceive(principal: Principal, receivingUnitCode: string): void {
    if (hasRole(principal, "service")) return;
    if (hasRole(principal, "desk_officer") && this.sameAgency(principal.agencyCode, receivingUnitCode)) return;
    throw new ForbiddenError(`Tài khoản không có quyền tiếp nhận hồ sơ tại cơ quan ${receivingUnitCode}`);
  }

  /** May record events on the dossier: the receiving desk, the current holder's processing officers, services. */
  assertMayAct(principal: Principal, dossier: DossierHolders): void {
    if (this.mayAct(principal, dossier)) return;
    throw new ForbiddenError("Tài khoản không có quyền xử lý hồ sơ này");
  }

  /** May read the dossier: whoever may act, any agency that held it, and the province's operators. */
  assertMayRead(principal: Principal, dossier: DossierHolders): void {
    if (this.mayAct(principal, dossier)) return;
    if (hasRole(principal, "processing_officer") && dossier.agencyCodes.some((code) => this.sameAgency(principal.agencyCode, code))) return;
    if (hasRole(principal, "province_operator") && this.inProvince(principal.unitCode, [dossier.receivingUnitCode, ...dossier.agencyCodes])) return;
    throw new ForbiddenError("Tài khoản không có quyền xem hồ sơ này");
  }

  /**
   * The report scope a caller may read: a province-wide viewer or operator the whole registry (a
   * deployment's registry is its province's) or any agency of their province; an agency's viewer
   * only that agency (the default when none is asked for).
   */
  reportScopeFor<S extends ReportScopeRequest>(principal: Principal, requested: S): S {
    if (hasRole(principal, "service")) return requested;
    const provinceWide = hasRole(principal, "province_operator") || (hasRole(principal, "reporting_viewer") && principal.unitCode !== undefined);
    const province = provinceWide ? this.provinceKnown(principal.unitCode) : undefined;
    if (province && (requested.agencyCode === undefined || this.provinceOf(requested.agencyCode) === province)) return requested;
    if (hasRole(principal, "reporting_viewer") && principal.agencyCode !== undefined) {
      if (requested.agencyCode === undefined) return { ...requested, agencyCode: this.current(principal.agencyCode) };
      if (this.sameAgency(principal.agencyCode, requested.agencyCode)) return requested;
    }
    throw new ForbiddenError(requested.agencyCode ? `Tài khoản không có quyền xem báo cáo của cơ quan ${requested.agencyCode}` : "Tài khoản không có quyền xem báo cáo");
  }

  /** May run operations (rebuilds, freezing a published form): the province's operators and services. */
  assertMayOperate(principal: Principal): void {
    if (hasRole(principal, "service")) return;
    if (hasRole(principal, "province_operator") && this.provinceKnown(principal.unitCode)) return;
    throw new ForbiddenError("Chỉ cán bộ vận hành của tỉnh được thực hiện thao tác này");
  }

  private mayAct(principal: Principal, { receivingUnitCode, agencyCodes }: DossierHolders): boolean {
    if (hasRole(principal, "service")) return true;
    if (hasRole(principal, "desk_officer") && this.sameAgency(principal.agencyCode, receivingUnitCode)) return true;
    const holder = agencyCodes.at(-1);
    return hasRole(principal, "processing_officer") && holder !== undefined && this.sameAgency(principal.agencyCode, holder);
  }

  private sameAgency(callerAgency: string | undefined, agencyCode: string): boolean {
    return callerAgency !== undefined && this.current(callerAgency) === this.current(agencyCode);
  }

  /** The agency that stands for `code` today, following successors. */
  private current(code: string): string {
    return this.registry.successorAt(code, this.today())?.code ?? code;
  }

  private inProvince(provinceCode: string | undefined, agencyCodes: readonly string[]): boolean {
    const province = this.provinceKnown(provinceCode);
    return province !== undefined && agencyCodes.some((code) => this.provinceOf(code) === province);
  }

  /** The province `unitCode` stands for today, if the registry knows it as a province. */
  private provinceKnown(unitCode: string | undefined): string | undefined {
    const unit = unitCode === undefined ? undefined : this.registry.unitSuccessorAt(unitCode, this.today());
    return unit?.level === "PROVINCE" ? unit.code : undefined;
  }

  /**
   * The province (2-digit unit code, as it stands today) an agency serves; an agency or unit that
   * ended without a successor (the district level, abolished on 1/7/2025) is placed by its last version.
   */
  private provinceOf(agencyCode: string): string | undefined {
    const today = this.today();
    const unitNow = (code: string) => this.registry.unitSuccessorAt(code, today) ?? this.registry.unit(code);
    const agency = this.registry.successorAt(agencyCode, today) ?? this.registry.agency(agencyCode);
    let unit = agency ? unitNow(agency.unitCode) : undefined;
    while (unit?.parentCode) unit = unitNow(unit.parentCode);
    return unit ? (this.registry.unitSuccessorAt(unit.code, today)?.code ?? unit.code) : undefined;
  }
}
