import { Alert, Anchor, Badge, Group, Loader, SegmentedControl, Select, Stack, Table, Text, Title } from "@mantine/core";
import { formatCount, formatDate, formatDateTime } from "@onestop/vn-format";
import { useEffect, useMemo, useState } from "react";
import { type ApiError, getJson, type Agency, type DelayedPage as Page, type Procedure } from "../api.js";
import { LEVEL_NAMES, STATE_NAMES } from "../labels.js";
import { link } from "../router.js";

/** Overdue and at-risk dossiers with who holds them; filters by agency, level, sector, procedure and status. */
export function DelayedPage() {
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [procedures, setProcedures] = useState<Procedure[]>([]);
  const [agency, setAgency] = useState<string | null>(null);
  const [level, setLevel] = useState<string | null>(null);
  const [sector, setSector] = useState<string | null>(null);
  const [procedure, setProcedure] = useState<string | null>(null);
  const [status, setStatus] = useState("ALL");
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    void getJson<Agency[]>("/api/agencies").then(setAgencies, () => setAgencies([]));
    void getJson<Procedure[]>("/api/procedures").then(setProcedures, () => setProcedures([]));
  }, []);

  const sectors = useMemo(() => [...new Map(procedures.map((p) => [p.sectorCode, p.sectorName])).entries()].map(([value, label]) => ({ value, label })), [procedures]);
  const agencyName = useMemo(() => new Map(agencies.map((a) => [a.code, a.name])), [agencies]);
  const procedureName = useMemo(() => new Map(procedures.map((p) => [p.code, p.name])), [procedures]);
  const sectorName = useMemo(() => new Map(sectors.map((s) => [s.value, s.label])), [sectors]);

  useEffect(() => {
    const query = new URLSearchParams({ pageSize: "500" });
    if (agency) query.set("agency", agency);
    if (level) query.set("level", level);
    if (sector) query.set("sector", sector);
    if (procedure) query.set("procedure", procedure);
    if (status !== "ALL") query.set("status", status);
    setLoading(true);
    getJson<Page>(`/v1/reports/delayed?${query}`).then(
      (answer) => {
        setPage(answer);
        setError(undefined);
        setLoading(false);
      },
      (failure: ApiError) => {
        setError(failure);
        setPage(undefined);
        setLoading(false);
      },
    );
  }, [agency, level, sector, procedure, status]);

  return (
    <Stack>
      <Title order={2}>Hồ sơ chậm muộn</Title>
      <Text c="dimmed" size="sm">
        Hồ sơ đang giải quyết đã quá hạn, và hồ sơ sắp đến hạn (còn không quá 2 ngày làm việc), với cơ quan đang giữ hồ sơ và từ khi nào.
      </Text>
      <Group className="no-print" align="end">
        <Select
          id="loc-co-quan"
          label="Cơ quan"
          placeholder="Tất cả cơ quan"
          searchable
          clearable
          data={agencies.map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))}
          value={agency}
          onChange={setAgency}
          w={340}
        />
        <Select
          id="loc-cap"
          label="Cấp"
          placeholder="Tất cả các cấp"
          clearable
          data={Object.entries(LEVEL_NAMES).map(([value, label]) => ({ value, label }))}
          value={level}
          onChange={setLevel}
          w={160}
        />
        <Select id="loc-linh-vuc" label="Lĩnh vực" placeholder="Tất cả lĩnh vực" searchable clearable data={sectors} value={sector} onChange={setSector} w={240} />
        <Select
          id="loc-thu-tuc"
          label="Thủ tục"
          placeholder="Tất cả thủ tục"
          searchable
          clearable
          data={procedures.filter((p) => !sector || p.sectorCode === sector).map((p) => ({ value: p.code, label: `${p.code} ${p.name}` }))}
          value={procedure}
          onChange={setProcedure}
          w={340}
        />
        <SegmentedControl
          id="loc-tinh-trang"
          value={status}
          onChange={setStatus}
          data={[
            { value: "ALL", label: "Tất cả" },
            { value: "OVERDUE", label: "Quá hạn" },
            { value: "AT_RISK", label: "Sắp đến hạn" },
          ]}
        />
      </Group>
      {error ? (
        <Alert color="red" id="cham-muon-loi" title={error.title}>
          {error.status === 403 ? "Tài khoản của bạn không có quyền xem danh sách này (403). " : ""}
          {error.detail}
        </Alert>
      ) : null}
      {loading && !page ? <Loader /> : null}
      {page ? (
        <>
          <Group>
            <Badge color="red" size="lg" id="so-qua-han">
              Quá hạn: {formatCount(page.counts.overdue)}
            </Badge>
            <Badge color="orange" size="lg" id="so-sap-den-han">
              Sắp đến hạn: {formatCount(page.counts.atRisk)}
            </Badge>
            <Text size="sm" c="dimmed">
              Số liệu lúc {formatDateTime(page.asOf)}
              {page.lagEvents ? `, còn ${formatCount(page.lagEvents)} sự kiện chưa tổng hợp` : ""}
            </Text>
          </Group>
          <Table striped withTableBorder id="bang-cham-muon">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Mã hồ sơ</Table.Th>
                <Table.Th>Thủ tục</Table.Th>
                <Table.Th>Lĩnh vực</Table.Th>
                <Table.Th>Cơ quan đang giữ</Table.Th>
                <Table.Th>Bước xử lý</Table.Th>
                <Table.Th>Hạn trả</Table.Th>
                <Table.Th>Tình trạng</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {page.dossiers.length === 0 ? (
                <Table.Tr>
                  <Table.Td colSpan={7}>Không có hồ sơ chậm muộn nào theo điều kiện đã chọn.</Table.Td>
                </Table.Tr>
              ) : (
                page.dossiers.map((d) => (
                  <Table.Tr key={d.dossierCode} data-ho-so={d.dossierCode} data-tinh-trang={d.status}>
                    <Table.Td>
                      <Anchor {...link(`/ho-so/${encodeURIComponent(d.dossierCode)}`)}>{d.dossierCode}</Anchor>
                    </Table.Td>
                    <Table.Td>{procedureName.get(d.procedureCode) ?? d.procedureCode}</Table.Td>
                    <Table.Td>{sectorName.get(d.sectorCode) ?? d.sectorCode}</Table.Td>
                    <Table.Td>
                      {agencyName.get(d.agencyCode) ?? d.agencyCode}
                      <Text size="xs" c="dimmed">
                        từ {formatDateTime(d.heldSince)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {STATE_NAMES[d.state]}
                      <Text size="xs" c="dimmed">
                        từ {formatDateTime(d.stateSince)}
                        {d.idleWorkingDays > 0 ? `; ${formatCount(d.idleWorkingDays)} ngày làm việc chưa có tiến triển` : ""}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {d.dueAt ? formatDate(d.dueAt) : "—"}
                      {d.extended ? (
                        <Text size="xs" c="dimmed">
                          đã hẹn lại (hạn ban đầu {formatDate(d.originalDueAt)})
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {d.status === "OVERDUE" ? (
                        <Badge color="red">Quá hạn {formatCount(d.overdueWorkingDays)} ngày làm việc</Badge>
                      ) : (
                        <Badge color="orange">{d.workingDaysLeft === 0 ? "Đến hạn hôm nay" : `Còn ${formatCount(d.workingDaysLeft)} ngày làm việc`}</Badge>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
          {page.total > page.dossiers.length ? (
            <Text size="sm">
              Đang hiện {formatCount(page.dossiers.length)} trên {formatCount(page.total)} hồ sơ; thu hẹp điều kiện lọc để xem các hồ sơ còn lại.
            </Text>
          ) : null}
        </>
      ) : null}
    </Stack>
  );
}
