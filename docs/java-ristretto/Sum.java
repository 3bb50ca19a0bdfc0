import java.io.*; import java.util.*;
public class Sum { public static void main(String[] a) throws IOException {
  BufferedReader br = new BufferedReader(new InputStreamReader(System.in));
  int n = Integer.parseInt(br.readLine().trim()); long s = 0; int read = 0;
  StringTokenizer st = new StringTokenizer("");
  while (read < n) { while (!st.hasMoreTokens()) st = new StringTokenizer(br.readLine()); s += Integer.parseInt(st.nextToken()); read++; }
  System.out.println(s); } }
