import { AppShell, Anchor, Button, Group, NavLink, Text, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { getJson, type Home as HomeData } from "./api.js";
import { link, usePath } from "./router.js";
import { HomePage } from "./pages/Home.js";
import { DelayedPage } from "./pages/Delayed.js";
import { DossierPage } from "./pages/Dossier.js";
import { ApologyPage } from "./pages/Apology.js";
import { QuarterPage } from "./pages/Quarter.js";

const PAGES = [
  { path: "/", label: "Tổng quan" },
  { path: "/ho-so-cham-muon", label: "Hồ sơ chậm muộn" },
  { path: "/bao-cao-quy", label: "Báo cáo quý" },
];

/** Who is signed in (undefined while asking, null when nobody is). */
function useHome(): [HomeData | null | undefined, () => void] {
  const [home, setHome] = useState<HomeData | null | undefined>(undefined);
  const load = () => void getJson<HomeData>("/api/home").then(setHome, (error: { status?: number }) => setHome(error.status === 401 ? null : null));
  useEffect(load, []);
  return [home, load];
}

export function App() {
  const path = usePath();
  const [home] = useHome();
  const dossier = /^\/ho-so\/([^/]+)(\/phieu-xin-loi)?$/.exec(path);
  const signedIn = home !== null && home !== undefined;
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: "sm" }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Title order={1} size="h3">
            Hệ thống một cửa: bảng điều hành
          </Title>
          {home === undefined ? null : signedIn ? (
            <form method="post" action="/dang-xuat">
              <Button type="submit" id="dang-xuat" variant="default">
                Đăng xuất
              </Button>
            </form>
          ) : (
            <Button component="a" href="/dang-nhap" id="dang-nhap">
              Đăng nhập
            </Button>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" className="no-print">
        {PAGES.map((page) => (
          <NavLink key={page.path} label={page.label} active={page.path === "/" ? path === "/" : path.startsWith(page.path)} {...link(page.path)} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        {home === undefined ? (
          <Text>Đang tải…</Text>
        ) : !signedIn ? (
          <Text id="moi-dang-nhap">
            Vui lòng <Anchor href="/dang-nhap">đăng nhập</Anchor> bằng tài khoản được cấp để xem số liệu thuộc phạm vi của mình.
          </Text>
        ) : dossier ? (
          dossier[2] ? (
            <ApologyPage code={decodeURIComponent(dossier[1]!)} />
          ) : (
            <DossierPage code={decodeURIComponent(dossier[1]!)} />
          )
        ) : path === "/ho-so-cham-muon" ? (
          <DelayedPage />
        ) : path === "/bao-cao-quy" ? (
          <QuarterPage />
        ) : (
          <HomePage home={home} />
        )}
      </AppShell.Main>
    </AppShell>
  );
}
