// Sieve of Eratosthenes up to N: prints the number of primes <= N and their sum.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

public class Main {
    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(new BufferedReader(new InputStreamReader(System.in)).readLine().trim());
        boolean[] composite = new boolean[n + 1];
        for (int i = 2; (long) i * i <= n; i++) {
            if (!composite[i]) {
                for (int j = i * i; j <= n; j += i) composite[j] = true;
            }
        }
        long count = 0;
        long sum = 0;
        for (int k = 2; k <= n; k++) {
            if (!composite[k]) {
                count++;
                sum += k;
            }
        }
        System.out.println(count + " " + sum);
    }
}
