package dev.smallmind.profile;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineInfoTest {
    private static final String X86 = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC 9R45
            flags\t\t: fpu vme sse avx2 fma f16c avx512f avx512bw avx512_vnni
            
            processor\t: 1
            model name\t: AMD EPYC 9R45
            """;
    private static final String ARM = """
            processor\t: 0
            BogoMIPS\t: 50.00
            Features\t: fp asimd evtstrm aes sve
            CPU part\t: 0xd40
            """;

    @Test
    void readsTheCpuModelAndSimdFeatures() {
        assertEquals("AMD EPYC 9R45", MachineInfo.cpuModel(X86));
        assertEquals("avx2 fma f16c avx512f avx512bw avx512_vnni", MachineInfo.features(X86));
        assertEquals("0xd40", MachineInfo.cpuModel(ARM));
        assertEquals("asimd sve", MachineInfo.features(ARM));
        assertNull(MachineInfo.cpuModel(""));
        assertEquals("", MachineInfo.features(""));
    }

    @Test
    void detectsThisMachine() {
        MachineInfo m = MachineInfo.detect();
        assertTrue(m.cores() >= 1);
        assertTrue(m.vectorBits() >= 64 && Integer.bitCount(m.vectorBits()) == 1, "vector bits " + m.vectorBits());
        assertTrue(m.commit().equals("unknown") || m.commit().matches("[0-9a-f]{40}"), m.commit());
        assertTrue(m.date().matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z"), m.date());
        assertTrue(m.jdk().contains(Integer.toString(Runtime.version().feature())), m.jdk());
        assertTrue(!m.cpu().isEmpty());
    }

    @Test
    void readsTheLoadAverageAndWarnsWhenOthersKeepHalfTheCoresBusy() {
        assertEquals(11.08, MachineInfo.loadAverage("11.08 10.52 8.75 3/412 12345\n"));
        assertEquals(-1, MachineInfo.loadAverage(""));
        assertEquals(-1, MachineInfo.loadAverage("busy"));
        MachineInfo quiet = new MachineInfo("c", "", 2, 256, "j", "o", "d", "unknown", 0.4);
        MachineInfo busy = new MachineInfo("c", "", 2, 256, "j", "o", "d", "unknown", 11.08);
        MachineInfo unknown = new MachineInfo("c", "", 2, 256, "j", "o", "d", "unknown", -1);
        assertNull(quiet.loadWarning());
        assertNull(unknown.loadWarning());
        assertTrue(busy.loadWarning().startsWith("load average 11.1 on 2 cores"), busy.loadWarning());
        String summary = TerminalSummary.render(new Report(busy, "full", 1, java.util.List.of()));
        assertTrue(summary.contains("warning: load average 11.1"), summary);
    }

    @Test
    void readsResidentMemoryFromProcStatus() {
        assertEquals(123456L * 1024, ResidentMemory.parse("Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t  123456 kB\n"));
        assertEquals(-1, ResidentMemory.parse("Name:\tjava\n"));
        assertEquals(-1, ResidentMemory.parse("VmRSS:\t12 MB\n"));
        long now = ResidentMemory.bytes();
        assertTrue(now == -1 || now > 1 << 20, "resident bytes " + now);
    }
}
