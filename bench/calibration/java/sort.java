// Sorts N pseudo-random ints (minstd LCG, seed 12345) and prints a polynomial hash of the
// sorted array modulo 1e9+7.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.Arrays;

public class Main {
    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(new BufferedReader(new InputStreamReader(System.in)).readLine().trim());
        long x = 12345;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            x = x * 48271 % 2147483647;
            a[i] = (int) x;
        }
        Arrays.sort(a);
        long hash = 0;
        for (int value : a) hash = (hash * 31 + value) % 1000000007;
        System.out.println(hash);
    }
}
