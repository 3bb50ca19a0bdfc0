public class Rec { static int d(int n){ return n==0?0:1+d(n-1);} public static void main(String[] a){ System.out.println(d(Integer.parseInt(a[0]))); } }
