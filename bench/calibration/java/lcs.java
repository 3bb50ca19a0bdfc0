// Longest common subsequence of two strings of length N over {0,1,2,3} drawn from the minstd
// LCG (seed 12345): the first N draws, then the next N. Prints its length.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

public class Main {
    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(new BufferedReader(new InputStreamReader(System.in)).readLine().trim());
        long x = 12345;
        byte[] s = new byte[n];
        byte[] t = new byte[n];
        for (int i = 0; i < n; i++) {
            x = x * 48271 % 2147483647;
            s[i] = (byte) (x % 4);
        }
        for (int i = 0; i < n; i++) {
            x = x * 48271 % 2147483647;
            t[i] = (byte) (x % 4);
        }
        int[] prev = new int[n + 1];
        int[] cur = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= n; j++) {
                cur[j] = s[i - 1] == t[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] swap = prev;
            prev = cur;
            cur = swap;
        }
        System.out.println(prev[n]);
    }
}
