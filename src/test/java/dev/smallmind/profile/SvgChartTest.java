package dev.smallmind.profile;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvgChartTest {
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Document d, String tag, String cls) {
        NodeList nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<String> texts(Document d) {
        NodeList nodes = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent());
        }
        return out;
    }

    private static double num(Element e, String attribute) {
        return Double.parseDouble(e.getAttribute(attribute));
    }

    @Test
    void barLengthsAreProportionalToValuesAndEveryBarIsDrawn() throws Exception {
        BarChart c = new BarChart("gemm", "F32 GEMM", "GFLOPS", List.of("1 thread", "2 threads"),
                List.of(new BarChart.Bar("n=256", 50, 0), new BarChart.Bar("n=256", 100, 1),
                        new BarChart.Bar("n=512", 25, 0), new BarChart.Bar("n=512", 200, 1)),
                List.of(new BarChart.Marker("peak", 250)));
        Document d = parse(c.svg());
        assertEquals("svg", d.getDocumentElement().getLocalName());
        List<Element> bars = byClass(d, "rect", "bar");
        assertEquals(4, bars.size());
        double unit = num(bars.get(0), "width") / 50;
        assertEquals(100 * unit, num(bars.get(1), "width"), 0.2);
        assertEquals(25 * unit, num(bars.get(2), "width"), 0.2);
        assertEquals(200 * unit, num(bars.get(3), "width"), 0.2);
        double x = num(bars.get(0), "x");
        for (Element b : bars) {
            assertEquals(x, num(b, "x"), 1e-9, "bars start at one baseline");
        }
        for (int i = 1; i < bars.size(); i++) {
            assertTrue(num(bars.get(i), "y") > num(bars.get(i - 1), "y"), "bars are drawn top to bottom");
        }
        assertEquals(2, byClass(d, "rect", "legend").size(), "one legend entry per series");
        List<String> t = texts(d);
        assertTrue(t.contains("F32 GEMM"));
        assertTrue(t.contains("GFLOPS"));
        assertTrue(t.contains("peak 250"), "marker caption: " + t);
        assertEquals(1, t.stream().filter("n=256"::equals).count(), "a group's label is drawn once");
        assertEquals("gemm.svg", c.fileName());
    }

    @Test
    void markerBeyondTheBarsExtendsTheAxis() throws Exception {
        BarChart c = new BarChart("m", "t", "GB/s", List.of("s"), List.of(new BarChart.Bar("a", 10, 0)),
                List.of(new BarChart.Marker("limit", 40)));
        Document d = parse(c.svg());
        Element bar = byClass(d, "rect", "bar").get(0);
        NodeList lines = d.getElementsByTagNameNS("http://www.w3.org/2000/svg", "line");
        Element marker = null;
        for (int i = 0; i < lines.getLength(); i++) {
            Element e = (Element) lines.item(i);
            if (e.hasAttribute("stroke-dasharray")) {
                marker = e;
            }
        }
        assertTrue(marker != null, "the marker is a dashed line");
        double markerOffset = num(marker, "x1") - num(bar, "x");
        assertEquals(4 * num(bar, "width"), markerOffset, 0.3, "marker at 40 is four bar lengths of 10 away");
    }

    @Test
    void textIsEscapedSoTheDocumentStaysWellFormed() throws Exception {
        BarChart c = new BarChart("esc", "a < b & \"c\" > 'd'", "x<y", List.of("s&t"),
                List.of(new BarChart.Bar("<script>", 1, 0)), List.of());
        Document d = parse(c.svg());
        assertTrue(texts(d).contains("a < b & \"c\" > 'd'"));
        assertTrue(texts(d).contains("<script>"));
        assertFalse(c.svg().contains("<script>"));
    }

    @Test
    void allZeroValuesGiveAFiniteAxis() throws Exception {
        BarChart c = new BarChart("zero", "z", "ms", List.of("s"), List.of(new BarChart.Bar("a", 0, 0),
                new BarChart.Bar("b", 0, 0)), List.of());
        String svg = c.svg();
        assertFalse(svg.contains("NaN") || svg.contains("Infinity"), svg);
        assertEquals(2, byClass(parse(svg), "rect", "bar").size());
    }

    @Test
    void barChartRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> new BarChart.Bar("a", -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new BarChart.Bar("a", Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> new BarChart("x", "t", "u", List.of("one"),
                List.of(new BarChart.Bar("a", 1, 1)), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new BarChart("../x", "t", "u", List.of("one"),
                List.of(), List.of()));
    }

    @Test
    void lineChartBreaksLinesAtMissingValuesAndDotsEveryPoint() throws Exception {
        double nan = Double.NaN;
        LineChart c = new LineChart("trend", "Decode", "tok/s", List.of("a", "b", "c", "d", "e"),
                List.of(new LineChart.Series("small", new double[] {10, 20, nan, 30, 40}),
                        new LineChart.Series("medium", new double[] {nan, nan, 5, nan, nan})));
        Document d = parse(c.svg());
        List<Element> lines = byClass(d, "polyline", "series");
        assertEquals(2, lines.size(), "small: two segments around the gap; medium: a lone point, no line");
        assertEquals(2, lines.get(0).getAttribute("points").split(" ").length);
        assertEquals(5, byClass(d, "circle", "point").size(), "one dot per present value");
        assertTrue(texts(d).contains("Decode (tok/s)"));
        List<Element> dots = byClass(d, "circle", "point");
        double y10 = num(dots.get(0), "cy");
        double y20 = num(dots.get(1), "cy");
        double y40 = num(dots.get(3), "cy");
        double base = y10 + (y10 - y20);
        assertEquals(4 * (base - y10), base - y40, 0.3, "heights are proportional to values");
    }

    @Test
    void lineChartWithOneRunDrawsADot() throws Exception {
        LineChart c = new LineChart("one", "t", "GFLOPS", List.of("11-25 14:03"),
                List.of(new LineChart.Series("gemm", new double[] {120})));
        Document d = parse(c.svg());
        assertEquals(0, byClass(d, "polyline", "series").size());
        assertEquals(1, byClass(d, "circle", "point").size());
    }

    @Test
    void lineChartRejectsMismatchedSeries() {
        assertThrows(IllegalArgumentException.class, () -> new LineChart("x", "t", "u", List.of("a", "b"),
                List.of(new LineChart.Series("s", new double[] {1}))));
        assertThrows(IllegalArgumentException.class, () -> new LineChart.Series("s", new double[] {-1}));
    }

    @Test
    void axisStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(20, Svg.tickStep(100));
        assertEquals(100, Svg.axisMax(100));
        assertEquals(50, Svg.tickStep(230));
        assertEquals(250, Svg.axisMax(230));
        assertEquals(0.2, Svg.tickStep(0.7), 1e-12);
        assertEquals(0.8, Svg.axisMax(0.7), 1e-12);
        assertEquals(1, Svg.tickStep(0));
        assertEquals(1, Svg.axisMax(0));
    }
}
