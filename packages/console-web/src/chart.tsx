import { useEffect, useRef } from "react";
import * as echarts from "echarts";

/** An ECharts chart drawn on a canvas; `option` replaced whenever it changes. */
export function Chart({ option, height = 320, id }: { option: echarts.EChartsOption; height?: number; id?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = echarts.init(ref.current, undefined, { renderer: "canvas", locale: "EN" });
    chart.setOption({ animation: false, textStyle: { fontFamily: "system-ui, sans-serif" }, ...option });
    const onResize = () => chart.resize();
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      chart.dispose();
    };
  }, [option]);
  return <div ref={ref} id={id} className="chart" style={{ width: "100%", height }} />;
}
