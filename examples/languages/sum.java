import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.StringTokenizer;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        StringTokenizer tokens = new StringTokenizer("");
        long sum = 0;
        for (int i = 0; i < n; i++) {
            while (!tokens.hasMoreTokens()) tokens = new StringTokenizer(in.readLine());
            sum += Long.parseLong(tokens.nextToken());
        }
        System.out.println(sum);
    }
}
