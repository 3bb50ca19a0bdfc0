import java.io.*;
import java.math.*;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

/**
 * Run once while the snapshot is made: loads and initialises what contest programs use (input,
 * output, collections, lambdas, string concatenation, exceptions) so that runs do not. Prints
 * nothing; a part Ristretto cannot run is skipped.
 */
public class XcodeWarmup {
    static long sink;

    interface Part { void run() throws Exception; }

    static void part(Part part) {
        try { part.run(); } catch (Throwable ignored) { sink++; }
    }

    public static void main(String[] args) {
        part(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(new ByteArrayInputStream("3\n1 2 3\n".getBytes())));
            int n = Integer.parseInt(in.readLine().trim());
            StringTokenizer st = new StringTokenizer(in.readLine());
            for (int i = 0; i < n; i++) sink += Long.parseLong(st.nextToken());
            String[] parts = "4 5 6".split(" ");
            sink += Integer.parseInt(parts[0]) + (long) Double.parseDouble("2.5");
        });
        part(() -> {
            StreamTokenizer tokens = new StreamTokenizer(new BufferedReader(new StringReader("7 8")));
            tokens.nextToken();
            sink += (long) tokens.nval;
        });
        part(() -> {
            Scanner scanner = new Scanner("2 9 10\nword line\n3.5\n");
            int n = scanner.nextInt();
            for (int i = 0; i < n; i++) sink += scanner.nextLong();
            sink += scanner.next().length() + scanner.nextLine().length();
            sink += scanner.hasNextDouble() ? (long) scanner.nextDouble() : 0;
            sink += scanner.hasNext() ? 1 : 0;
        });
        part(() -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(bytes)));
            out.println(42);
            out.printf("%d %s %.3f%n", 1, "x", 2.0);
            out.print('c');
            out.flush();
            PrintStream stream = new PrintStream(bytes);
            stream.println("s" + sink + ' ' + 1.5 + true);
            StringBuilder sb = new StringBuilder();
            sb.append(1).append(' ').append("a").append(2L).append(3.0).reverse();
            sink += sb.length() + String.format("%5d|%-3s|%08.2f", 3, "ab", 1.25).length() + String.valueOf(7).length();
            sink += String.join(",", List.of("a", "b")).length();
        });
        part(() -> {
            List<Integer> list = new ArrayList<>(List.of(3, 1, 2));
            Collections.sort(list);
            list.sort(Comparator.reverseOrder());
            list.sort((a, b) -> a - b);
            Map<String, Integer> map = new HashMap<>();
            map.put("a", 1);
            map.merge("a", 1, Integer::sum);
            map.getOrDefault("b", 0);
            map.computeIfAbsent("c", k -> 3);
            TreeMap<Integer, Integer> tree = new TreeMap<>();
            tree.put(1, 1);
            tree.floorKey(2);
            tree.ceilingEntry(0);
            Set<Long> set = new HashSet<>();
            set.add(1L);
            TreeSet<Integer> sorted = new TreeSet<>(list);
            sorted.first();
            Deque<Integer> deque = new ArrayDeque<>();
            deque.push(1);
            deque.pollLast();
            PriorityQueue<int[]> heap = new PriorityQueue<>((a, b) -> Integer.compare(a[0], b[0]));
            heap.add(new int[] {2});
            heap.add(new int[] {1});
            heap.poll();
            LinkedList<Integer> linked = new LinkedList<>(list);
            linked.removeFirst();
            int[] ints = {3, 1, 2};
            Arrays.sort(ints);
            long[] longs = {3, 1};
            Arrays.sort(longs);
            Integer[] boxed = {3, 1, 2};
            Arrays.sort(boxed, Collections.reverseOrder());
            Arrays.fill(ints, 0);
            sink += Arrays.stream(ints).sum() + Arrays.toString(ints).length() + Arrays.asList(boxed).size();
            sink += map.size() + set.size() + deque.size() + Objects.hash(1, 2);
            BitSet bits = new BitSet();
            bits.set(3);
            sink += bits.cardinality();
        });
        part(() -> {
            sink += IntStream.range(0, 10).filter(i -> i % 2 == 0).sum();
            List<String> words = Stream.of("b", "a").sorted().collect(Collectors.toList());
            sink += words.stream().mapToInt(String::length).max().orElse(0);
            sink += Stream.of(1, 2, 3).map(x -> x * 2).collect(Collectors.toSet()).size();
            sink += Stream.of("a", "bb").collect(Collectors.groupingBy(String::length)).size();
            sink += Arrays.stream(new long[] {1, 2}).max().getAsLong();
            Function<Integer, Integer> twice = x -> x * 2;
            BiFunction<Integer, Integer, Integer> add = Integer::sum;
            Supplier<String> supplier = () -> "s";
            sink += twice.apply(2) + add.apply(1, 2) + supplier.get().length();
        });
        part(() -> {
            BigInteger big = BigInteger.valueOf(2).pow(100).add(BigInteger.ONE).mod(BigInteger.TEN);
            BigDecimal decimal = new BigDecimal("1.5").multiply(BigDecimal.valueOf(3)).setScale(2, RoundingMode.HALF_UP);
            sink += big.intValue() + decimal.toString().length();
            sink += (long) (Math.sqrt(2) + Math.pow(2, 10) + Math.abs(-1) + Math.max(1, 2) + Math.floorMod(-1, 3) + Math.log(3) + Math.sin(1));
            sink += Long.MAX_VALUE / 3 + Integer.MIN_VALUE + Character.getNumericValue('7') + (Character.isDigit('x') ? 1 : 0);
            sink += new Random(1).nextInt(10);
        });
        part(() -> {
            try {
                Object o = null;
                o.hashCode();
            } catch (NullPointerException e) {
                sink += e.getStackTrace().length;
            }
            try {
                int[] a = new int[1];
                sink += a[2];
            } catch (ArrayIndexOutOfBoundsException e) {
                sink += String.valueOf(e.getMessage()).length();
            }
            try {
                sink += 1 / (sink - sink);
            } catch (ArithmeticException e) {
                sink++;
            }
            try {
                throw new IllegalStateException("x" + sink);
            } catch (RuntimeException e) {
                StringWriter text = new StringWriter();
                e.printStackTrace(new PrintWriter(text));
                sink += text.toString().length();
            }
        });
    }
}
