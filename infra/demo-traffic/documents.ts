// Digitisation as a desk does it, through digitisation's REST API: scanned components uploaded
// with their metadata, the applicant's earlier documents reused, and electronic results issued.
import type { Api } from "./api.js";
import { DAY_MS, random, seedOf, vietnamDay } from "./people.js";
import type { DossierPlan } from "./plan.js";

const COMPONENT_NAMES: Record<string, string> = {
  TK: "Tờ khai",
  CCCD: "Bản sao thẻ căn cước",
  GIAY_TO_KHAC: "Giấy tờ chứng minh kèm theo",
};

/** A PDF-looking scan: the magic bytes, then bytes drawn from `seed` (the same scan, the same bytes). */
function scan(seed: number, size: number): Blob {
  const rand = random(seed);
  const bytes = Buffer.alloc(size);
  bytes.write("%PDF-1.7\n");
  for (let i = 9; i < size; i++) bytes[i] = Math.floor(rand() * 256);
  return new Blob([bytes], { type: "application/pdf" });
}

async function upload(api: Api, metadata: Record<string, unknown>, seed: string): Promise<boolean> {
  const form = new FormData();
  form.append("metadata", JSON.stringify(metadata)); // first: checked before the file is read
  form.append("file", scan(seedOf(seed), 16_384 + (seedOf(`${seed}-size`) % 49_152)), "scan.pdf");
  const answer = await api.send("POST", `${api.urls.digitisation}/v1/documents`, form);
  return answer.status === 201 || answer.status === 200;
}

export function digitiseComponent(api: Api, plan: DossierPlan, dossierCode: string, componentTypeCode: string): Promise<boolean> {
  const name = COMPONENT_NAMES[componentTypeCode] ?? componentTypeCode;
  const issued = plan.receivedAt - 400 * DAY_MS;
  return upload(
    api,
    {
      kind: "COMPONENT",
      dossierCode,
      agencyCode: plan.agencyCode,
      componentTypeCode,
      document: {
        documentTypeCode: componentTypeCode,
        holder: { idNumber: plan.applicant.idNumber },
        name,
        summary: `${name} của người nộp hồ sơ`,
        validFrom: vietnamDay(issued),
        // An identity card is valid for years; the other papers for this dossier's business.
        ...(componentTypeCode === "CCCD" ? { validTo: vietnamDay(issued + 15 * 365 * DAY_MS) } : {}),
        scope: "Toàn quốc",
      },
    },
    `${plan.key}-${componentTypeCode}`,
  );
}

export function issueElectronicResult(api: Api, plan: DossierPlan, dossierCode: string): Promise<boolean> {
  const resultTypeCode = `KQ.${plan.procedure.code}`;
  return upload(
    api,
    {
      kind: "RESULT",
      dossierCode,
      agencyCode: plan.agencyCode,
      resultTypeCode,
      document: {
        documentTypeCode: resultTypeCode,
        holder: { idNumber: plan.applicant.idNumber },
        name: `Kết quả: ${plan.procedure.name}`.slice(0, 300),
        summary: `Kết quả giải quyết thủ tục ${plan.procedure.code}`,
        validFrom: vietnamDay(Date.now()),
        scope: "Toàn quốc",
      },
    },
    `${plan.key}-result`,
  );
}

interface ReusableDocument {
  id: string;
  metadata: { documentTypeCode: string };
}

/**
 * A regular applicant's earlier documents, as the desk finds them in the citizen's document store:
 * each one the dossier needs is reused instead of scanned again. Returns the component types reused.
 */
export async function reuseEarlierDocuments(api: Api, plan: DossierPlan, dossierCode: string, needed: readonly string[]): Promise<string[]> {
  const found = await api.post<{ documents?: ReusableDocument[] }>(`${api.urls.digitisation}/v1/reusable-documents/search`, {
    dossierCode,
    agencyCode: plan.agencyCode,
    holderIdNumber: plan.applicant.idNumber,
  });
  const reused: string[] = [];
  for (const type of needed) {
    const document = found.body.documents?.find((candidate) => candidate.metadata.documentTypeCode === type);
    if (!document) continue;
    const answer = await api.post(`${api.urls.digitisation}/v1/dossiers/${dossierCode}/reuses`, {
      agencyCode: plan.agencyCode,
      componentTypeCode: type,
      documentId: document.id,
      holderIdNumber: plan.applicant.idNumber,
    });
    if (answer.status === 201 || answer.status === 200) reused.push(type);
  }
  return reused;
}
