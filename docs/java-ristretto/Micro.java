import java.util.*;
public class Micro {
    static int f(int x) { return x + 1; }
    public static void main(String[] args) {
        String which = args[0]; int n = Integer.parseInt(args[1]);
        long s = 0;
        long t0 = System.nanoTime();
        switch (which) {
            case "loop": for (int i = 0; i < n; i++) s += i; break;
            case "call": for (int i = 0; i < n; i++) s += f(i); break;
            case "charAt": { String str = "hello world"; for (int i = 0; i < n; i++) s += str.charAt(i % 11); break; }
            case "parse": for (int i = 0; i < n; i++) s += Long.parseLong("123456"); break;
            case "tok": { StringBuilder sb = new StringBuilder(); for (int i = 0; i < n; i++) sb.append(i).append(' ');
                          long t1 = System.nanoTime(); StringTokenizer st = new StringTokenizer(sb.toString());
                          while (st.hasMoreTokens()) s += st.nextToken().length(); System.out.println("build " + (t1 - t0) / 1000000 + " ms"); t0 = t1; break; }
            case "array": { int[] a = new int[1000]; for (int i = 0; i < n; i++) a[i % 1000] += i; s = a[7]; break; }
            case "field": { int[] box = new int[1]; StringBuilder sb = new StringBuilder(); for (int i = 0; i < n; i++) s += sb.length(); break; }
        }
        System.out.println(which + " " + n + " " + s + " " + (System.nanoTime() - t0) / 1000000 + " ms");
    }
}
