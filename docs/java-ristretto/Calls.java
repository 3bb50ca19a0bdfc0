import java.util.*;
public class Calls {
    interface Shape { long area(); }
    static class Sq implements Shape { long s; Sq(long s) { this.s = s; } public long area() { return s * s; } }
    static class Rect implements Shape { long w, h; Rect(long w, long h) { this.w = w; this.h = h; } public long area() { return w * h; } }
    static abstract class Base { abstract int f(int x); int g(int x) { return f(x) + 1; } }
    static class A extends Base { int f(int x) { return x * 2; } }
    static class B extends Base { int f(int x) { return x * 3; } int g(int x) { return super.g(x) + 100; } }
    static int div(int a, int b) { return a / b; }
    static int at(int[] a, int i) { return a[i]; }
    static int len(String s) { return s.length(); }
    static int deep(int n) { if (n == 0) return div(1, 0); return deep(n - 1) + 1; }
    static long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
    static int counter;
    static synchronized void inc() { counter++; }
    public static void main(String[] args) {
        Shape[] shapes = { new Sq(3), new Rect(2, 5), new Sq(4) };
        long total = 0;
        for (int r = 0; r < 1000; r++) for (Shape s : shapes) total += s.area();
        System.out.println("area " + total);
        Base[] bs = { new A(), new B() };
        int acc = 0;
        for (int i = 0; i < 100; i++) acc += bs[i % 2].g(i);
        System.out.println("virtual " + acc);
        try { div(1, 0); } catch (ArithmeticException e) { System.out.println("caught " + e.getMessage()); }
        try { at(new int[2], 5); } catch (ArrayIndexOutOfBoundsException e) { System.out.println("caught " + e.getMessage()); }
        try { len(null); } catch (NullPointerException e) { System.out.println("caught npe"); }
        try { deep(50); } catch (ArithmeticException e) { System.out.println("deep " + e.getStackTrace().length); }
        System.out.println("fib " + fib(20));
        for (int i = 0; i < 1000; i++) inc();
        System.out.println("sync " + counter);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5; i++) sb.append(i).append(',');
        System.out.println(sb);
        TreeMap<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < 100; i++) m.merge(i % 7, i, Integer::sum);
        System.out.println(m);
        long h = 0; for (int i = 0; i < 1000; i++) h = h * 31 + Integer.toString(i).hashCode();
        System.out.println("hash " + h);
        int[] arr = new int[1000]; for (int i = 0; i < arr.length; i++) arr[i] = (i * 7919) % 1000; Arrays.sort(arr); System.out.println("sorted " + arr[0] + " " + arr[999]);
        System.out.println(deep(3));
    }
}
