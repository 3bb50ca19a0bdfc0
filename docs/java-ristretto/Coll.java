import java.util.*;
public class Coll {
    public static void main(String[] args) {
        List<Integer> list = new ArrayList<>();
        for (int i = 0; i < 20000; i++) list.add((i * 7919) % 10007);
        Collections.sort(list);
        Map<Integer, Integer> count = new HashMap<>();
        for (int x : list) count.merge(x % 100, 1, Integer::sum);
        long s = 0;
        for (Map.Entry<Integer, Integer> e : count.entrySet()) s += (long) e.getKey() * e.getValue();
        Object o = list;
        System.out.println(list.get(0) + " " + list.get(list.size() - 1) + " " + count.size() + " " + s + " " + (o instanceof List) + " " + (o instanceof Map));
    }
}
